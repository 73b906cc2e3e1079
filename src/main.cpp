// junction: command line, configuration, and the runtime.
#include "core/config.hpp"
#include "core/runtime.hpp"
#include "gateways/registry.hpp"
#include "util/log.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

constexpr int exit_usage = 64;
constexpr int exit_config = 2;

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: junction --config FILE          run the gateways configured in FILE\n"
               "       junction --check-config [--config] FILE\n"
               "                                       check FILE; exit 0, or 2 listing FILE:LINE: problems\n"
               "       junction --version\n");
}

int print_issues(const junction::core::LoadedConfig& loaded) {
  for (const auto& issue : loaded.issues) std::fprintf(stderr, "%s\n", junction::core::format_issue(issue).c_str());
  return loaded.config ? 0 : exit_config;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--version") {
      std::printf("junction %s\n", JUNCTION_VERSION);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      print_usage(stdout);
      return 0;
    } else if (arg == "--check-config") {
      check_only = true;
      // Also accepted: --check-config FILE.
      if (i + 1 < argc && argv[i + 1][0] != '-') config_path = argv[++i];
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      config_path = std::string(arg.substr(9));
    } else {
      std::fprintf(stderr, "junction: unknown argument \"%s\"\n", argv[i]);
      print_usage(stderr);
      return exit_usage;
    }
  }
  if (config_path.empty()) {
    print_usage(stderr);
    return exit_usage;
  }

  junction::gateways::register_all();
  auto loaded = junction::core::load_config(config_path);
  if (check_only) {
    int status = print_issues(loaded);
    if (status == 0) std::fprintf(stderr, "%s: ok\n", config_path.c_str());
    return status;
  }
  if (int status = print_issues(loaded); status != 0) return status;

  junction::log::set_level(loaded.config->log_level);
  junction::core::Runtime runtime(std::move(*loaded.config));
  return runtime.run();
}
