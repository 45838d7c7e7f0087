#include "core/text/signal_names.hpp"

#include <csignal>
#include <cstdlib>
#include <utility>

namespace gaia::text {
namespace {

constexpr std::pair<std::string_view, int> kSignals[] = {
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},     {"SIGTRAP", SIGTRAP},
    {"SIGABRT", SIGABRT}, {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},   {"SIGKILL", SIGKILL},   {"SIGUSR1", SIGUSR1},
    {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2}, {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},   {"SIGTERM", SIGTERM},
    {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT}, {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP},   {"SIGTTIN", SIGTTIN},
    {"SIGTTOU", SIGTTOU}, {"SIGURG", SIGURG},   {"SIGXCPU", SIGXCPU}, {"SIGXFSZ", SIGXFSZ},   {"SIGVTALRM", SIGVTALRM},
    {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH}, {"SIGIO", SIGIO},   {"SIGSYS", SIGSYS},
};

}  // namespace

std::optional<int> parse_signal(std::string_view name) {
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos && name.size() < 3) {
        int n = std::atoi(std::string(name).c_str());
        if (n > 0 && n < NSIG) return n;
        return std::nullopt;
    }
    for (const auto& [signal_text, number] : kSignals) {
        if (name == signal_text || name == signal_text.substr(3)) return number;
    }
    return std::nullopt;
}

std::string signal_name(int signum) {
    for (const auto& [signal_text, number] : kSignals) {
        if (number == signum) return std::string(signal_text);
    }
    return "signal " + std::to_string(signum);
}

}  // namespace gaia::text
