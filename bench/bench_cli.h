#pragma once
// Command-line parsing the benchmarks share (CLI11): one error style, and the flags several
// benches take declared once. Each bench's defaults live in its own Args struct; --help prints
// them from there (capture_default_str).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace nst::bench {

/// Single-valued flags given twice keep the last value, as the run_*.sh scripts rely on (they
/// pass their defaults first, then the caller's flags). Call before adding options.
inline void keep_last_values(CLI::App& app) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

/// Bad usage found after parsing (a bad list item, a combination): one line, exit 2.
[[noreturn]] inline void usage_error(const std::string& program, const std::string& message) {
  std::fprintf(stderr, "%s: error: %s (see --help)\n", program.c_str(), message.c_str());
  std::exit(2);
}

/// Parses argv; --help prints the help and exits 0, a parse or validation error one line and exit 2.
inline void parse_or_exit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::exit(app.exit(e));
  } catch (const CLI::ParseError& e) {
    usage_error(app.get_name(), e.what());
  }
}

/// Numbers >= lowest (strictly above it with `strict`), said in a short message; CLI11's own
/// PositiveNumber/NonNegativeNumber print DBL_MAX in theirs.
inline CLI::Validator at_least(double lowest, bool strict = false) {
  const std::string bound = (strict ? "> " : ">= ") + CLI::detail::to_string(lowest);
  return CLI::Validator(
      [lowest, strict, bound](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        return (strict ? v > lowest : v >= lowest) ? "" : "must be " + bound + ", got " + text;
      },
      bound);
}

/// A comma-separated list flag (--sizes 256,512); given, it replaces the default list.
template <typename T>
CLI::Option* add_list(CLI::App& app, const std::string& name, std::vector<T>& values, const std::string& help) {
  std::string shown;
  for (const T& v : values) shown += (shown.empty() ? "" : ",") + CLI::detail::to_string(v);
  return app.add_option(name, values, help)
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->default_str(shown);
}

inline CLI::Option* add_threads(CLI::App& app, int& threads, const std::string& help = "CPU threads (0: all)") {
  return app.add_option("--threads", threads, help)->check(at_least(0))->capture_default_str();
}

inline CLI::Option* add_json(CLI::App& app, std::string& path) {
  return app.add_option("--json", path, "JSON results file")->capture_default_str();
}

inline CLI::Option* add_markdown(CLI::App& app, std::string& path) {
  return app.add_option("--markdown", path, "Markdown table file (default: stdout only)");
}

}  // namespace nst::bench
