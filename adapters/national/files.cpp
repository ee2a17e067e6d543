// The detail reconciliation of national.md §4.7: 9101 uploads the hospital's detail file (a zip
// of tab-separated rows, Base64 in the JSON), 3202 compares it with the platform's settlements
// and stores a result zip, 9102 downloads a file as raw bytes. A file that is not a zip is read
// as the text itself (tolerant reading); rows may end in CRLF, empty values may be "null".
#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/Zip/Compress.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

#include <map>
#include <set>
#include <sstream>

#include "adapters/national/fields.hpp"
#include "adapters/national/gateway_internal.hpp"

namespace onestop::national {
namespace {

constexpr std::size_t kFileBytes = 8 << 20;

std::optional<std::string> decode_base64(const std::string& text) {
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in);
    std::string out;
    Poco::StreamCopier::copyToString(decoder, out);
    return out;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

std::string encode_base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

// The first entry of a zip, or the bytes themselves when they are not a zip.
std::optional<std::string> unzip_first(const std::string& bytes) {
  if (!bytes.starts_with("PK\x03\x04")) return bytes;
  try {
    std::istringstream in(bytes);
    Poco::Zip::ZipArchive archive(in);
    if (archive.headerBegin() == archive.headerEnd()) return std::nullopt;
    std::istringstream again(bytes);
    Poco::Zip::ZipInputStream entry(again, archive.headerBegin()->second);
    std::string out;
    Poco::StreamCopier::copyToString(entry, out);
    return out;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

std::string zip_one(const std::string& name, const std::string& text) {
  std::ostringstream out;
  Poco::Zip::Compress compress(out, true);
  std::istringstream in(text);
  compress.addFile(in, Poco::DateTime(), Poco::Path(name));
  compress.close();
  return out.str();
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(sep, start);
    std::string field = line.substr(start, end - start);
    if (field == "null") field.clear();
    out.push_back(std::move(field));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

}  // namespace

Result<Gateway::Outcome> Gateway::upload_file(const Call& call) const {
  FieldReader r(call.env.input->find("fsUploadIn"), "input.fsUploadIn");
  const std::string filename = r.str("filename", 200, Req::yes);
  const std::string code = r.str("fixmedins_code", 30, Req::yes);
  if (r.error()) return *r.error();
  const JsonValue* in = call.env.input->find("fsUploadIn")->find("in");
  std::string bytes;
  if (in != nullptr && in->type == JsonValue::Type::string) {
    auto decoded = decode_base64(in->text);
    if (!decoded) return refuse_field("input.fsUploadIn.in", "不是Base64编码 (not Base64)");
    bytes = std::move(*decoded);
  } else if (in != nullptr && in->type == JsonValue::Type::array) {
    for (const JsonValue* b : in->elements) {
      int v = 0;
      try {
        v = b->type == JsonValue::Type::number ? std::stoi(b->text) : -1;
      } catch (const std::exception&) {
        v = -1;
      }
      if (v < -128 || v > 255) {
        return refuse_field("input.fsUploadIn.in", "应为字节数组 (bytes 0..255 or -128..127)");
      }
      bytes += static_cast<char>(static_cast<unsigned char>(v & 0xFF));
    }
  } else {
    return refuse_field("input.fsUploadIn.in", "不能为空 (the file, Base64 or a byte array)");
  }
  if (bytes.empty() || bytes.size() > kFileBytes) {
    return refuse_field("input.fsUploadIn.in", "文件为空或过大 (1 byte to 8 MiB)");
  }
  if (code != call.env.fixmedins_code) {
    return refuse_field("input.fsUploadIn.fixmedins_code", "与报文的机构编号不符");
  }
  StoredFile file{
      call.env.mdtrtarea_admvs + local_time(call.received_ms, true).substr(0, 14) + serial(),
      filename, encode_base64(bytes)};
  codec::JsonWriter w;
  w.begin_object().member("file_qury_no", file.file_qury_no).member("filename", filename);
  w.member("fixmedins_code", code);
  w.member("dld_endtime", local_time(call.received_ms + 86'400'000, false)).end_object();
  Outcome out{w.take(), {}, ""};
  out.change.add_file = std::move(file);
  return out;
}

Result<Gateway::Outcome> Gateway::reconcile_details(const Call& call) const {
  FieldReader r(call.env.input->find("data"), "input.data");
  const std::string optins = r.str("setl_optins", 6, Req::yes);
  const std::string qury_no = r.str("file_qury_no", 30, Req::yes);
  const auto begin = r.date("stmt_begndate", Req::yes);
  const auto end = r.date("stmt_enddate", Req::yes);
  r.amount("medfee_sumamt", Req::yes, true);
  r.amount("fund_pay_sumamt", Req::yes, true);
  r.amount("cash_payamt", Req::yes, true);
  r.count("fixmedins_setl_cnt", Req::yes);
  r.str("clr_type", 6, Req::no);
  if (r.error()) return *r.error();
  auto stored = store_->file(call.env.fixmedins_code, qury_no);
  if (!stored) return stored.error();
  if (!*stored) return refuse_field("input.data.file_qury_no", "文件不存在 (upload it with 9101)");
  auto bytes = decode_base64((*stored)->content_base64);
  auto text = bytes ? unzip_first(*bytes) : std::nullopt;
  if (!text) return refuse_field("input.data.file_qury_no", "文件无法解压 (not a readable zip)");
  // The platform's live settlements of the period, by setl_id.
  struct Ours {
    std::string psn_no, mdtrt_id;
    Money medfee, fund;
  };
  std::map<std::string, Ours> ours;
  auto visits = store_->visits_of(call.env.fixmedins_code);
  if (!visits) return visits.error();
  for (const Visit& v : *visits) {
    if (!v.setl_id) continue;
    auto record = service_.get(*v.setl_id, call.hospital.id);
    if (!record) continue;
    const std::string day = local_time(ledger_time_ms(record->recorded_at), false).substr(0, 10);
    if (day < begin->to_string() || day > end->to_string()) continue;
    ours[std::to_string(*v.setl_id)] = {v.psn_no, v.mdtrt_id, record->total, record->fund_paid};
  }
  std::ostringstream result;
  std::set<std::string> seen;
  std::size_t line_no = 0;
  std::istringstream lines(*text);
  std::string line;
  const auto row = [&](const std::string& psn, const std::string& mdtrt, const std::string& setl,
                       bool ok, const std::string& flag, const std::string& memo,
                       const std::string& medfee, const std::string& fund) {
    result << psn << '\t' << mdtrt << '\t' << setl << "\t\t" << (ok ? "0" : "1") << '\t' << flag
           << '\t' << memo << '\t' << medfee << '\t' << fund << "\t0.00\n";
  };
  while (std::getline(lines, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> f = split(line, '\t');
    if (f.size() < 7) {
      return refuse_field("input.data.file_qury_no",
                          "文件第" + std::to_string(line_no) +
                              "行应有7列 (setl_id, mdtrt_id, psn_no, medfee_sumamt, "
                              "fund_pay_sumamt, acct_pay, refd_setl_flag; tab-separated)");
    }
    const auto medfee = catalogue::parse_scaled(f[3], 2);
    const auto fund = catalogue::parse_scaled(f[4], 2);
    auto it = ours.find(f[0]);
    seen.insert(f[0]);
    if (it == ours.end()) {
      row(f[2], f[1], f[0], false, f[6], "中心无此结算", f[3], f[4]);
    } else if (!medfee || !fund || Money::from_fen(*medfee) != it->second.medfee ||
               Money::from_fen(*fund) != it->second.fund) {
      row(f[2], f[1], f[0], false, f[6],
          "金额不符：中心医疗费总额" + it->second.medfee.to_string() + "/基金支付" +
              it->second.fund.to_string(),
          f[3], f[4]);
    } else {
      row(f[2], f[1], f[0], true, f[6], "对账一致", f[3], f[4]);
    }
  }
  for (const auto& [setl_id, o] : ours) {
    if (seen.count(setl_id) == 0) {
      row(o.psn_no, o.mdtrt_id, setl_id, false, "0", "机构无此结算", o.medfee.to_string(),
          o.fund.to_string());
    }
  }
  StoredFile file{
      call.env.mdtrtarea_admvs + local_time(call.received_ms, true).substr(0, 14) + serial(),
      "result.zip", encode_base64(zip_one("result.txt", result.str()))};
  codec::JsonWriter w;
  w.begin_object().key("fileinfo").begin_object();
  w.member("file_qury_no", file.file_qury_no).member("filename", file.filename);
  w.member("dld_endtime", local_time(call.received_ms + 86'400'000, false));
  w.end_object().end_object();
  Outcome out{w.take(), {}, ""};
  (void)optins;
  out.change.add_file = std::move(file);
  return out;
}

Result<std::string> Gateway::download_file(const Envelope& env) const {
  FieldReader r(env.input->find("fsDownloadIn"), "input.fsDownloadIn");
  const std::string qury_no = r.str("file_qury_no", 30, Req::yes);
  r.str("filename", 200, Req::yes);
  r.str("fixmedins_code", 30, Req::yes);
  if (r.error()) return *r.error();
  auto stored = store_->file(env.fixmedins_code, qury_no);
  if (!stored) return stored.error();
  if (!*stored) {
    return refuse_field("input.fsDownloadIn.file_qury_no", "文件不存在 (no such file here)");
  }
  auto bytes = decode_base64((*stored)->content_base64);
  if (!bytes) return Error{"internal", "", "the stored file cannot be read"};
  return std::move(*bytes);
}

}  // namespace onestop::national
