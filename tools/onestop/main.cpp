// onestop: one binary, one subcommand per job. main() only dispatches.
#include <iostream>
#include <string>
#include <vector>

#include "tools/onestop/commands.hpp"

namespace {

void usage(std::ostream& out) {
  out << "usage: onestop COMMAND [OPTIONS]\n\n"
         "commands:\n"
         "  settle   settle canonical claims (JSON Lines) offline against a policy\n"
         "  serve    run the HTTP settlement service on the ledger (SQLite or PostgreSQL)\n"
         "  verify   check the ledger's hash chain and replay every settlement\n"
         "  roster   import the roster of insured persons (roster import FILE.csv)\n"
         "  reconcile  totals, details and statement matching per fund, hospital and day\n"
         "  audit    a person's year explained (audit patient), the office report (audit report),\n"
         "           the access log of the API (audit access)\n"
         "  clients  the API's clients and their keys (clients add|rotate|revoke|list)\n"
         "  simulate re-settle a year under another policy, writing nothing (what-if)\n"
         "  ledger   bring a ledger to this build's schema in place (ledger migrate)\n"
         "  demo-data  generate a synthetic roster and year of settlements into a ledger\n\n"
         "Run 'onestop COMMAND --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return onestop::cli::kUsage;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "settle") return onestop::cli::settle_command(args, std::cin, std::cout, std::cerr);
  if (command == "serve") return onestop::cli::serve_command(args, std::cout, std::cerr);
  if (command == "verify") return onestop::cli::verify_command(args, std::cout, std::cerr);
  if (command == "roster") return onestop::cli::roster_command(args, std::cout, std::cerr);
  if (command == "reconcile") return onestop::cli::reconcile_command(args, std::cout, std::cerr);
  if (command == "audit") return onestop::cli::audit_command(args, std::cout, std::cerr);
  if (command == "clients") return onestop::cli::clients_command(args, std::cout, std::cerr);
  if (command == "simulate") return onestop::cli::simulate_command(args, std::cout, std::cerr);
  if (command == "ledger") return onestop::cli::ledger_command(args, std::cout, std::cerr);
  if (command == "demo-data") return onestop::cli::demo_data_command(args, std::cout, std::cerr);
  if (command == "--help" || command == "-h" || command == "help") {
    usage(std::cout);
    return onestop::cli::kOk;
  }
  std::cerr << "onestop: unknown command '" << command << "'\n";
  usage(std::cerr);
  return onestop::cli::kUsage;
}
