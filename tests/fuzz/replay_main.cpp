// Replays a fuzz target's corpus as an ordinary test, without libFuzzer (issue 5): calls
// LLVMFuzzerTestOneInput on every regular file of the directories (or files) given, in name
// order, naming each before it runs so a crash or failed check (abort, trap, sanitizer report)
// points at its input. Exit 0 when every input ran; 1 on a usage error, an unreadable input or
// an empty corpus (a corpus that silently vanished would otherwise pass).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

// The regular files named by `arg`: itself, or those directly inside it, in name order.
bool collect(const fs::path& arg, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    files.push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, ec)) {
    std::cerr << arg.string() << ": not a file or directory\n";
    return false;
  }
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(arg, ec)) {
    if (entry.is_regular_file()) found.push_back(entry.path());
  }
  if (ec) {
    std::cerr << arg.string() << ": " << ec.message() << "\n";
    return false;
  }
  if (found.empty()) {
    std::cerr << arg.string() << ": no inputs\n";
    return false;
  }
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return true;
}

bool run_one(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << file.string() << ": cannot be read\n";
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::cout << "replay " << file.string() << " (" << bytes.size() << " bytes)" << std::endl;
  // A copy of exactly `size` bytes, so ASan catches a read past the end as libFuzzer would.
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR_OR_FILE...\n";
    return 1;
  }
  std::vector<fs::path> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) ok = collect(argv[i], files) && ok;
  for (const auto& file : files) ok = run_one(file) && ok;
  std::cout << files.size() << " inputs replayed" << (ok ? "" : ", with errors") << std::endl;
  return ok ? 0 : 1;
}
