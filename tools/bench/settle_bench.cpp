// settle() and the codec on a 10-item claim, against a baseline measured in the same run: the
// same arithmetic of the reference policy written by hand on int64 fen, with no trace, no
// strings and no policy lookups. Report the ratio settle / baseline.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "bench_inputs.hpp"
#include "engine/settle.hpp"

namespace {

using namespace onestop;
using bench::claim;
using bench::kClaimJson;
using bench::reference;

void BM_Settle(benchmark::State& state) {
  const Accumulators before;
  for (auto _ : state) {
    auto s = settle(reference(), claim(), before);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Settle);

// Baseline: the reference policy's arithmetic for a poor patient, first admission, city
// hospital, in region, on int64 fen and integer per-mille/per-cent rates.
std::int64_t half_up_div(std::int64_t num, std::int64_t den) { return (num + den / 2) / den; }

std::int64_t baseline_settle(const Claim& c) {
  std::int64_t total = 0;
  std::int64_t in_policy = 0;
  for (const auto& item : c.items) {
    const std::int64_t amount = item.amount.fen_i64();
    total += amount;
    if (item.item_class == ItemClass::C) continue;
    const std::int64_t ceiling_part = amount - item.over_limit.fen_i64();
    const std::int64_t pre =
        item.item_class == ItemClass::B ? half_up_div(ceiling_part * 10, 100) : 0;
    in_policy += ceiling_part - pre;
  }
  const std::int64_t deductible = std::min<std::int64_t>(40'000, in_policy);
  const std::int64_t basic = half_up_div((in_policy - deductible) * 75, 100);
  const std::int64_t base = in_policy - basic;
  const std::int64_t above = std::max<std::int64_t>(0, base - 750'000);
  const std::int64_t critical = half_up_div(std::min<std::int64_t>(above, 5'000'000) * 65, 100);
  const std::int64_t special = half_up_div((base - critical) * 50, 100);
  const std::int64_t share = base - critical - special;
  const std::int64_t allowed = half_up_div(in_policy * 5, 100);
  const std::int64_t backstop = std::max<std::int64_t>(0, share - allowed);
  return total - basic - critical - special - backstop;
}

void BM_BaselineInt64(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(baseline_settle(claim()));
  }
}
BENCHMARK(BM_BaselineInt64);

void BM_CodecParse(benchmark::State& state) {
  for (auto _ : state) {
    auto c = codec::decode_claim(kClaimJson);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_CodecParse);

void BM_CodecEncodeResult(benchmark::State& state) {
  const Settlement s = settle(reference(), claim(), {}).value();
  for (auto _ : state) {
    auto text = codec::encode_settlement(s);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_CodecEncodeResult);

void BM_ParseSettleEncode(benchmark::State& state) {
  for (auto _ : state) {
    auto c = codec::decode_claim(kClaimJson);
    auto s = settle(reference(), *c, {});
    auto text = codec::encode_settlement(*s);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_ParseSettleEncode);

}  // namespace

BENCHMARK_MAIN();
