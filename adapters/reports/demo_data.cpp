// Synthetic roster and settlements. Every random choice comes from a counter-based generator
// (SplitMix64 of the seed and the settlement's or person's index), so any part can be made
// again on its own and the data do not depend on the order the threads run in. No binary
// floating point: amounts are drawn in whole fen.
#include "adapters/reports/demo_data.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <thread>
#include <utility>

#include "adapters/codec/csv.hpp"

namespace onestop::reports {
namespace {

// SplitMix64's finaliser: a good 64-bit mix of a counter.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A stream of random numbers for one purpose (salt) and one index.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t salt, std::uint64_t index)
      : state_(mix(seed ^ mix(salt ^ mix(index)))) {}
  std::uint64_t next() { return mix(state_++); }
  // A number in [0, n); n > 0. The modulo bias is far below anything a demo would show.
  std::int64_t below(std::int64_t n) {
    return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n));
  }
  std::int64_t between(std::int64_t low, std::int64_t high) { return low + below(high - low + 1); }

 private:
  std::uint64_t state_;
};

enum Salt : std::uint64_t { kPerson = 1, kSettlement = 2, kCancel = 3 };

bool leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }
int days_in(int year) { return leap(year) ? 366 : 365; }

// Day `n` (0-based) of `year`.
Date day_of_year(int year, int n) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0;
  for (; month < 11; ++month) {
    const int length = kDays[month] + (month == 1 && leap(year) ? 1 : 0);
    if (n < length) break;
    n -= length;
  }
  return *Date::from_ymd(year, month + 1, n + 1);
}

// The local day a settlement is discharged and settled on: spread evenly over the year.
int settlement_day(const DemoOptions& o, std::int64_t index) {
  return static_cast<int>(index * days_in(o.year) / o.settlements);
}

std::string patient_id(std::int64_t person) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "P%07lld", static_cast<long long>(person + 1));
  return buffer;
}

// The ID number (身份证号) of a person: region, birth date, sequence, GB 11643 check character.
std::string id_number(Rng& rng, std::int64_t person) {
  char body[48];  // 17 digits and the terminator; room for any int the format could see
  std::snprintf(body, sizeof body, "430300%04d%02d%02d%03d",
                static_cast<int>(rng.between(1940, 2015)), static_cast<int>(rng.between(1, 12)),
                static_cast<int>(rng.between(1, 28)), static_cast<int>(person % 1000));
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  static constexpr const char* kCheck = "10X98765432";
  return std::string(body, 17) + kCheck[sum % 11];
}

std::string person_name(Rng& rng) {
  static constexpr std::array<const char*, 12> kSurnames = {"王", "李", "张", "刘", "陈", "杨",
                                                            "黄", "赵", "周", "吴", "彭", "谭"};
  static constexpr std::array<const char*, 12> kGiven = {"秀英", "建国", "桂兰", "志强",
                                                         "春花", "德明", "玉梅", "国平",
                                                         "小红", "海军", "金凤", "长生"};
  return std::string(kSurnames[rng.below(kSurnames.size())]) + kGiven[rng.below(kGiven.size())];
}

// The category weights of demo_roster's contract.
int category_weight(const std::string& category) {
  if (category == "resident") return 45;
  if (category == "poor") return 30;
  if (category == "low_income") return 15;
  if (category == "extreme_poor") return 10;
  return 5;
}

std::string pick_category(Rng& rng, const std::vector<std::string>& categories) {
  int total = 0;
  for (const auto& c : categories) total += category_weight(c);
  std::int64_t r = rng.below(total);
  for (const auto& c : categories) {
    r -= category_weight(c);
    if (r < 0) return c;
  }
  return categories.back();
}

}  // namespace

void DemoClock::set_day(const Date& day) {
  std::lock_guard lock(mutex_);
  day_ = day;
  millis_ = 0;
}

std::string DemoClock::now() {
  constexpr std::int64_t kMaxMillis = 16LL * 3600 * 1000 - 1;
  std::lock_guard lock(mutex_);
  const std::int64_t ms = std::min(millis_++, kMaxMillis);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02d.%03dZ", day_.to_string().c_str(),
                static_cast<int>(ms / 3'600'000), static_cast<int>(ms / 60'000 % 60),
                static_cast<int>(ms / 1000 % 60), static_cast<int>(ms % 1000));
  return buffer;
}

std::vector<store::RosterEntry> demo_roster(const DemoOptions& options,
                                            const std::vector<std::string>& categories) {
  std::vector<store::RosterEntry> roster;
  roster.reserve(static_cast<std::size_t>(options.persons));
  const bool knows_resident =
      std::find(categories.begin(), categories.end(), "resident") != categories.end();
  const Date first = *Date::from_ymd(options.year, 1, 1);
  for (std::int64_t p = 0; p < options.persons; ++p) {
    Rng rng(options.seed, kPerson, static_cast<std::uint64_t>(p));
    store::RosterEntry e;
    e.patient_id = patient_id(p);
    e.name = person_name(rng);
    e.id_number = id_number(rng, p);
    e.category = pick_category(rng, categories);
    e.valid_from = first;
    if (e.category == "poor" && knows_resident && rng.below(20) == 0) {
      // The household leaves poverty (脱贫) on a day of the year's second to eleventh month.
      const int left = static_cast<int>(rng.between(31, 334));
      e.valid_to = day_of_year(options.year, left - 1);
      store::RosterEntry after = e;
      after.category = "resident";
      after.valid_from = day_of_year(options.year, left);
      after.valid_to.reset();
      roster.push_back(std::move(e));
      roster.push_back(std::move(after));
    } else {
      roster.push_back(std::move(e));
    }
  }
  return roster;
}

void write_roster_csv(const std::vector<store::RosterEntry>& roster, std::ostream& out) {
  codec::CsvWriter csv(out);
  csv.row({"patient_id", "name", "id_number", "category", "valid_from", "valid_to"});
  for (const auto& e : roster) {
    csv.text(e.patient_id).text(e.name).text(e.id_number).text(e.category);
    csv.text(e.valid_from.to_string()).text(e.valid_to ? e.valid_to->to_string() : "");
    csv.end_row();
  }
}

namespace {

struct CatalogueItem {
  const char* code;
  const char* name;
  const char* item_class;
};

// A small fee catalogue: 甲类 (A) services, 乙类 (B) drugs and materials, 丙类 (C) self-paid.
constexpr std::array<CatalogueItem, 12> kCatalogue = {{
    {"A01", "床位费", "A"},
    {"A02", "诊查费", "A"},
    {"A03", "检查费", "A"},
    {"A04", "化验费", "A"},
    {"A05", "手术费", "A"},
    {"A06", "护理费", "A"},
    {"B01", "西药费", "B"},
    {"B02", "中成药费", "B"},
    {"B03", "卫生材料费", "B"},
    {"C01", "自费药品", "C"},
    {"C02", "特需服务费", "C"},
    {"C03", "自费耗材", "C"},
}};

// Common diagnoses, with pneumoconiosis (J62.8) and schizophrenia (F20.0), which the reference
// backstop's programmes treat apart.
constexpr std::array<const char*, 12> kDiagnoses = {"J18.9", "I63.9", "E11.9", "K35.8",
                                                    "S72.0", "C34.9", "N18.5", "I21.9",
                                                    "J44.1", "I10",   "J62.8", "F20.0"};

// Per level: the bill's range in yuan and the length of stay in days.
struct LevelProfile {
  std::int64_t min_yuan;
  std::int64_t max_yuan;
  int max_stay;
};
constexpr std::array<LevelProfile, kLevelCount> kProfiles = {{
    {300, 3'000, 7},        // primary
    {1'500, 12'000, 12},    // county
    {4'000, 40'000, 20},    // city
    {10'000, 90'000, 25},   // province
    {20'000, 150'000, 30},  // out_of_province
}};
constexpr std::array<int, kLevelCount> kLevelWeights = {35, 30, 25, 7, 3};

// A hospital by level weight, then uniformly among those of the level.
const service::Hospital& pick_hospital(Rng& rng, const std::vector<service::Hospital>& hospitals) {
  int total = 0;
  for (const auto& h : hospitals) total += kLevelWeights[static_cast<int>(h.level)];
  std::int64_t r = rng.below(std::max(total, 1));
  for (const auto& h : hospitals) {
    r -= kLevelWeights[static_cast<int>(h.level)];
    if (r < 0) return h;
  }
  return hospitals.back();
}

std::string money_text(std::int64_t fen) { return Money::from_fen(fen).to_string(); }

// The bill's total in fen: skewed towards the low end of the level's range (the smaller of
// two draws), one bill in a hundred four times as large (a serious illness).
std::int64_t bill_fen(Rng& rng, const LevelProfile& profile) {
  const std::int64_t low = profile.min_yuan * 100;
  const std::int64_t high = profile.max_yuan * 100;
  std::int64_t fen = std::min(rng.between(low, high), rng.between(low, high));
  if (rng.below(100) == 0) fen *= 4;
  return fen;
}

// The items of a bill of `total_fen`: 2–6 parts of random weight, classes A 60 %, B 30 %,
// C 10 %; in one bill in ten an A or B item has 5–30 % of its amount above the price ceiling.
std::string items_json(Rng& rng, std::int64_t total_fen) {
  const int count = static_cast<int>(rng.between(2, 6));
  std::array<std::int64_t, 6> weights{};
  std::int64_t weight_sum = 0;
  for (int i = 0; i < count; ++i) weight_sum += weights[i] = rng.between(1, 10);
  const int over_limit_item = rng.below(10) == 0 ? static_cast<int>(rng.below(count)) : -1;
  std::string json = "[";
  std::int64_t left = total_fen;
  for (int i = 0; i < count; ++i) {
    const std::int64_t amount = i + 1 == count ? left : total_fen * weights[i] / weight_sum;
    left -= amount;
    const std::int64_t r = rng.below(100);
    const std::size_t first = r < 60 ? 0 : r < 90 ? 6 : 9;
    const std::size_t kinds = r < 60 ? 6 : 3;
    const CatalogueItem& item = kCatalogue[first + rng.below(static_cast<std::int64_t>(kinds))];
    json += std::string(i == 0 ? "" : ",") + "{\"code\":\"" + item.code + "-" +
            std::to_string(i + 1) + "\",\"name\":\"" + item.name + "\",\"class\":\"" +
            item.item_class + "\",\"amount\":\"" + money_text(amount) + "\"";
    if (i == over_limit_item && item.item_class[0] != 'C') {
      json += ",\"over_limit\":\"" + money_text(amount * rng.between(5, 30) / 100) + "\"";
    }
    json += "}";
  }
  return json + "]";
}

// The person of settlement `rng`'s draw: half uniformly, half among the first fifth of the
// roster (the chronically ill are admitted again and again).
std::int64_t pick_person(Rng& rng, std::int64_t persons) {
  if (rng.below(2) == 0) return rng.below(persons);
  return rng.below(std::max<std::int64_t>(1, persons / 5));
}

// Certified person k is person 20k + 7 (P…08, P…28, ...): one in twenty, at least one.
std::int64_t certified_persons(const DemoOptions& o) {
  if (o.special_diseases.empty()) return 0;
  return std::max<std::int64_t>(1, (o.persons + 12) / 20);
}
std::int64_t certified_person(std::int64_t k, std::int64_t persons) {
  return std::min(k * 20 + 7, persons - 1);
}

// Every how many settlements a visit comes, or 0 when there are none.
std::int64_t visit_every(const DemoOptions& o) {
  const std::int64_t certified = certified_persons(o);
  if (certified == 0) return 0;
  return std::max<std::int64_t>(2, o.settlements / (12 * certified));
}

// A diagnosis that goes with each reference disease (the backstop's programmes see it).
const char* disease_diagnosis(const std::string& disease) {
  if (disease == "severe_mental") return "F20.0";
  if (disease == "pneumoconiosis") return "J62.8";
  if (disease == "uremia_dialysis") return "N18.5";
  if (disease == "cancer_treatment") return "C34.9";
  return "Z51.1";
}

// Visit `index` of certified person k: one day, at the first primary hospital in region (else
// the first hospital), 1–3 drug items of 100–1 500 yuan together.
std::string visit_request(const DemoOptions& o, const std::vector<service::Hospital>& hospitals,
                          std::int64_t index, std::int64_t k) {
  Rng rng(o.seed, kSettlement, static_cast<std::uint64_t>(index));
  const service::Hospital* hospital = &hospitals.front();
  for (const auto& h : hospitals) {
    if (h.level == Level::primary && h.in_region) {
      hospital = &h;
      break;
    }
  }
  const std::string& disease =
      o.special_diseases[static_cast<std::size_t>(k) % o.special_diseases.size()];
  const std::string day = day_of_year(o.year, settlement_day(o, index)).to_string();
  const int count = static_cast<int>(rng.between(1, 3));
  std::string items = "[";
  for (int i = 0; i < count; ++i) {
    const std::int64_t fen = rng.between(10'000, 150'000) / count;
    const CatalogueItem& drug = kCatalogue[rng.below(2) == 0 ? 1 : 6];  // 诊查费 A, 西药费 B
    items += std::string(i == 0 ? "" : ",") + "{\"code\":\"" + drug.code + "-" +
             std::to_string(i + 1) + "\",\"name\":\"" + drug.name + "\",\"class\":\"" +
             drug.item_class + "\",\"amount\":\"" + money_text(fen) + "\"}";
  }
  char bill[48];
  std::snprintf(bill, sizeof bill, "MZ%d-%08lld", o.year, static_cast<long long>(index + 1));
  return "{\"hospital_id\":\"" + hospital->id + "\",\"bill_no\":\"" + bill +
         "\",\"patient\":{\"id\":\"" + patient_id(certified_person(k, o.persons)) +
         "\"},\"referral\":false,\"admitted_on\":\"" + day + "\",\"discharged_on\":\"" + day +
         "\",\"visit\":\"outpatient_special\",\"special_disease\":\"" + disease +
         "\",\"diagnoses\":[\"" + disease_diagnosis(disease) + "\"],\"items\":" + items + "]}";
}

// The person of settlement `index`: a visit's certified person, else pick_person's draw.
std::int64_t request_person(const DemoOptions& o, std::int64_t index) {
  if (const std::int64_t every = visit_every(o); every > 0 && index % every == every - 1) {
    return certified_person((index / every) % certified_persons(o), o.persons);
  }
  Rng rng(o.seed, kSettlement, static_cast<std::uint64_t>(index));
  return pick_person(rng, o.persons);
}

}  // namespace

std::vector<store::Certification> demo_certifications(const DemoOptions& options) {
  std::vector<store::Certification> out;
  for (std::int64_t k = 0; k < certified_persons(options); ++k) {
    const std::int64_t person = certified_person(k, options.persons);
    if (!out.empty() && out.back().patient_id == patient_id(person)) break;
    out.push_back({patient_id(person),
                   options.special_diseases[static_cast<std::size_t>(k) %
                                            options.special_diseases.size()],
                   *Date::from_ymd(options.year, 1, 1), std::nullopt});
  }
  return out;
}

std::string demo_request(const DemoOptions& o, const std::vector<service::Hospital>& hospitals,
                         std::int64_t index) {
  if (const std::int64_t every = visit_every(o); every > 0 && index % every == every - 1) {
    return visit_request(o, hospitals, index, (index / every) % certified_persons(o));
  }
  Rng rng(o.seed, kSettlement, static_cast<std::uint64_t>(index));
  const int day = settlement_day(o, index);
  const std::int64_t person = pick_person(rng, o.persons);
  const service::Hospital& hospital = pick_hospital(rng, hospitals);
  const LevelProfile& profile = kProfiles[static_cast<int>(hospital.level)];
  const bool referral = !hospital.in_region && rng.below(10) < 8;
  const int stay = static_cast<int>(rng.between(1, profile.max_stay));
  const char* main_diagnosis = kDiagnoses[rng.below(kDiagnoses.size())];
  std::string diagnoses = std::string("[\"") + main_diagnosis + "\"";
  if (const char* other = kDiagnoses[rng.below(10)]; rng.below(3) == 0 && other != main_diagnosis) {
    diagnoses += std::string(",\"") + other + "\"";
  }
  diagnoses += "]";
  char bill[48];
  std::snprintf(bill, sizeof bill, "DM%d-%08lld", o.year, static_cast<long long>(index + 1));
  return "{\"hospital_id\":\"" + hospital.id + "\",\"bill_no\":\"" + bill +
         "\",\"patient\":{\"id\":\"" + patient_id(person) +
         "\"},\"referral\":" + (referral ? "true" : "false") + ",\"admitted_on\":\"" +
         day_of_year(o.year, std::max(0, day - stay)).to_string() + "\",\"discharged_on\":\"" +
         day_of_year(o.year, day).to_string() + "\",\"diagnoses\":" + diagnoses +
         ",\"items\":" + items_json(rng, bill_fen(rng, profile)) + "}";
}

namespace {

// Threads started once that run one batch of tasks at a time, each thread adding to a summary
// of its own (a day has two batches; starting threads for each cost more than the work).
class Pool {
 public:
  using Task = std::function<void(std::size_t, DemoSummary&)>;

  explicit Pool(std::size_t threads) : parts_(std::max<std::size_t>(1, threads)) {
    for (std::size_t t = 0; t < parts_.size(); ++t) threads_.emplace_back([this, t] { loop(t); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // Runs task(k, summary) for every k in [0, n); returns when all have run.
  void run(std::size_t n, const Task& task) {
    std::unique_lock lock(mutex_);
    task_ = &task;
    n_ = n;
    next_ = 0;
    busy_ = threads_.size();
    ++generation_;
    wake_.notify_all();
    done_.wait(lock, [this] { return busy_ == 0; });
  }

  // Each thread's summary so far.
  std::vector<DemoSummary>& parts() { return parts_; }

 private:
  void loop(std::size_t t) {
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (stopping_) return;
      const Task* task = task_;
      const std::size_t n = n_;
      lock.unlock();
      for (std::size_t k = next_++; k < n; k = next_++) (*task)(k, parts_[t]);
      lock.lock();
      if (--busy_ == 0) done_.notify_one();
    }
  }

  std::vector<DemoSummary> parts_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const Task* task_ = nullptr;
  std::size_t n_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t busy_ = 0;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
};

// The work of one day: each person's settlements of the day, in index order.
using PersonDay = std::vector<std::int64_t>;

// Sends the demo through the service, a day at a time, with `window` threads.
class Loader {
 public:
  Loader(const service::SettlementService& service, DemoClock& clock, const DemoOptions& options,
         std::vector<service::Hospital> hospitals)
      : service_(service),
        clock_(clock),
        o_(options),
        hospitals_(std::move(hospitals)),
        pool_(options.window) {}

  // Loads every day of the year; the summary of what was written.
  DemoSummary run() {
    std::int64_t next = 0;
    for (int day = 0; day < days_in(o_.year) && next < o_.settlements; ++day) {
      std::int64_t end = next;
      while (end < o_.settlements && settlement_day(o_, end) == day) ++end;
      clock_.set_day(day_of_year(o_.year, day));
      load_day(next, end);
      next = end;
      if (o_.progress) o_.progress(next, o_.settlements);
    }
    for (auto& part : pool_.parts()) add(part);
    return std::move(summary_);
  }

 private:
  // The settlements [first, end) of one day, grouped by person, then the day's cancellations.
  void load_day(std::int64_t first, std::int64_t end) {
    std::vector<std::pair<std::int64_t, std::int64_t>> by_person;  // (person, index)
    for (std::int64_t i = first; i < end; ++i) by_person.emplace_back(request_person(o_, i), i);
    std::sort(by_person.begin(), by_person.end());
    std::vector<PersonDay> groups;
    for (std::size_t k = 0; k < by_person.size(); ++k) {
      if (k == 0 || by_person[k].first != by_person[k - 1].first) groups.emplace_back();
      groups.back().push_back(by_person[k].second);
    }
    std::vector<std::int64_t> ids(groups.size(), 0);  // each group's last settlement's record
    in_parallel(groups.size(),
                [&](std::size_t g, DemoSummary& s) { ids[g] = settle(groups[g], s); });
    std::vector<std::int64_t> cancel;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      Rng rng(o_.seed, kCancel, static_cast<std::uint64_t>(groups[g].back()));
      if (ids[g] != 0 && rng.below(1000) < o_.cancel_per_mille) cancel.push_back(ids[g]);
    }
    in_parallel(cancel.size(), [&](std::size_t k, DemoSummary& s) { cancel_one(cancel[k], s); });
  }

  // Runs task(0..n-1) on the pool's threads; returns when every task ran.
  void in_parallel(std::size_t n, const std::function<void(std::size_t, DemoSummary&)>& task) {
    pool_.run(n, task);
  }

  // Settles one person's settlements of the day in order; the last one's record id (0 when
  // it was not created).
  std::int64_t settle(const PersonDay& group, DemoSummary& s) {
    std::int64_t last = 0;
    for (const std::int64_t i : group) {
      last = 0;
      const auto outcome = service_.settle(demo_request(o_, hospitals_, i));
      if (!outcome || outcome->status != service::WriteStatus::created || !outcome->record) {
        refuse(s, outcome ? outcome->conflict.value_or(Error{"not_created", "", "replayed"})
                          : outcome.error());
        continue;
      }
      const store::StoredRecord& r = *outcome->record;
      ++s.settlements;
      s.medical_total += r.total;
      s.fund_paid += r.fund_paid;
      s.patient_pays += r.patient_pays;
      last = r.id;
    }
    return last;
  }

  void cancel_one(std::int64_t id, DemoSummary& s) {
    const auto outcome = service_.cancel(id, "{\"reason\":\"录入错误，重新结算\"}");
    if (!outcome || outcome->status != service::WriteStatus::created || !outcome->record) {
      refuse(s, outcome ? outcome->conflict.value_or(Error{"not_created", "", "replayed"})
                        : outcome.error());
      return;
    }
    ++s.cancellations;
    s.medical_total += outcome->record->total;  // negative: the reversal
    s.fund_paid += outcome->record->fund_paid;
    s.patient_pays += outcome->record->patient_pays;
  }

  static void refuse(DemoSummary& s, Error e) {
    ++s.refused;
    if (s.first_refusals.size() < 10) s.first_refusals.push_back(std::move(e));
  }

  void add(DemoSummary& part) {
    summary_.settlements += part.settlements;
    summary_.cancellations += part.cancellations;
    summary_.refused += part.refused;
    summary_.medical_total += part.medical_total;
    summary_.fund_paid += part.fund_paid;
    summary_.patient_pays += part.patient_pays;
    for (auto& e : part.first_refusals) {
      if (summary_.first_refusals.size() < 10) summary_.first_refusals.push_back(std::move(e));
    }
  }

  const service::SettlementService& service_;
  DemoClock& clock_;
  const DemoOptions& o_;
  const std::vector<service::Hospital> hospitals_;
  DemoSummary summary_;
  Pool pool_;
};

// The policy in effect all through `year`, or the error saying it is missing.
Result<const Policy*> year_policy(const policy::PolicySet& policies, int year) {
  const Policy* first = policies.effective_on(*Date::from_ymd(year, 1, 1));
  const Policy* last = policies.effective_on(*Date::from_ymd(year, 12, 31));
  if (first == nullptr || first != last) {
    return Error{
        "no_policy", "year",
        "no single policy is in effect from 1 January to 31 December " + std::to_string(year)};
  }
  return first;
}

}  // namespace

Result<DemoSummary> load_demo_data(const service::SettlementService& service, store::Roster& roster,
                                   DemoClock& clock, const DemoOptions& options) {
  if (options.persons < 1 || options.settlements < 1 || options.year < 1900 ||
      options.year > 2999) {
    return Error{"bad_option", options.persons < 1 ? "persons" : "settlements",
                 "persons and settlements must be at least 1, the year 1900..2999"};
  }
  if (const auto n = service.record_count(); n != 0) {
    return Error{"not_empty", "db",
                 "the ledger already holds " + std::to_string(n) +
                     " records; demo data goes into a new database"};
  }
  const auto policy = year_policy(service.policies(), options.year);
  if (!policy) return policy.error();
  std::vector<service::Hospital> hospitals;
  for (const auto& h : service.hospitals().all()) {
    if (h.designated) hospitals.push_back(h);
  }
  if (hospitals.empty()) return Error{"no_hospital", "hospitals", "no designated hospital"};
  const auto entries = demo_roster(options, (*policy)->categories);
  if (auto e = roster.replace_all(entries)) return *e;
  if (options.roster_csv != nullptr) write_roster_csv(entries, *options.roster_csv);
  DemoOptions with_visits = options;
  with_visits.special_diseases.clear();
  if (const OutpatientSpecial* o = (*policy)->outpatient()) {
    for (const auto& d : o->diseases) with_visits.special_diseases.push_back(d.id);
  }
  if (auto e = roster.replace_certifications(demo_certifications(with_visits))) return *e;
  DemoSummary summary = Loader(service, clock, with_visits, std::move(hospitals)).run();
  summary.persons = options.persons;
  summary.roster_rows = static_cast<std::int64_t>(entries.size());
  return summary;
}

}  // namespace onestop::reports
