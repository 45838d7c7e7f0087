#include "cli/usage_hints.hpp"

#include "core/jobfile/suggest.hpp"

#include <string_view>
#include <vector>

namespace gaia::cli {
namespace {

std::vector<CLI::App*> commands(CLI::App& app) {
    return app.get_subcommands([](CLI::App*) { return true; });
}

// "run, validate, plan, serve, top or version"
std::string command_list(CLI::App& app) {
    const auto all = commands(app);
    std::string out;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i > 0) out += i + 1 == all.size() ? " or " : ", ";
        out += all[i]->get_name();
    }
    return out;
}

// The options that take a value, so that their value is not taken for a command.
bool takes_value(CLI::App& app, std::string_view arg) {
    if (arg.rfind("--", 0) != 0 || arg.find('=') != std::string_view::npos) return false;
    for (const CLI::Option* option : app.get_options()) {
        for (const auto& name : option->get_lnames()) {
            if (arg.substr(2) == name) return option->get_expected_min() > 0;
        }
    }
    return false;
}

// The subcommand named on the command line, and the first word that is neither an
// option, an option's value nor a known command.
struct Words {
    CLI::App* command = nullptr;
    std::string stray;
};

Words read_words(CLI::App& app, int argc, char** argv) {
    Words words;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") break;
        if (!arg.empty() && arg[0] == '-') {
            if (takes_value(app, arg)) ++i;
            continue;
        }
        for (CLI::App* sub : commands(app)) {
            if (sub->get_name() == arg) {
                words.command = sub;
                return words;
            }
        }
        if (words.stray.empty()) words.stray = std::string(arg);
    }
    return words;
}

// Every long option of a subcommand and of gaia itself, as typed.
std::vector<std::string> option_spellings(CLI::App& app, CLI::App* command) {
    std::vector<std::string> out;
    for (CLI::App* scope : {&app, command}) {
        if (scope == nullptr) continue;
        for (const CLI::Option* option : scope->get_options()) {
            for (const auto& name : option->get_lnames()) out.push_back("--" + name);
        }
    }
    return out;
}

// The words CLI11 lists after "was not expected: " / "were not expected: ".
std::vector<std::string> unexpected_words(const std::string& message) {
    std::vector<std::string> out;
    const auto colon = message.find(": ");
    if (colon == std::string::npos) return out;
    std::string_view rest = std::string_view(message).substr(colon + 2);
    while (!rest.empty()) {
        const auto space = rest.find(' ');
        const auto word = rest.substr(0, space);
        if (!word.empty()) out.emplace_back(word);
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
    }
    return out;
}

}  // namespace

std::optional<std::string> explain_parse_error(CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
    const Words words = read_words(app, argc, argv);
    // By type: CLI11 names an ExtrasError after the subcommand that raised it.
    const bool required = dynamic_cast<const CLI::RequiredError*>(&error) != nullptr;
    const bool extras = dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr;
    const std::string prefix = "gaia: error: ";
    const std::string help = words.command ? "gaia " + words.command->get_name() + " --help" : "gaia --help";

    if (words.command == nullptr && (required || extras)) {
        if (words.stray.empty()) return prefix + "a command is required: " + command_list(app) + " (see gaia --help)";
        std::vector<std::string_view> names;
        const auto all = commands(app);
        for (CLI::App* sub : all) names.push_back(sub->get_name());
        return prefix + "`" + words.stray + "` is not a command" + jobfile::did_you_mean(words.stray, names) +
               "; the commands are " + command_list(app);
    }
    if (required && std::string_view(error.what()).rfind("files is required", 0) == 0) {
        return prefix + "a job file is required: gaia " + words.command->get_name() +
               " FILE... (`-` reads one from standard input)";
    }
    if (extras) {
        const auto spellings = option_spellings(app, words.command);
        const std::vector<std::string_view> candidates(spellings.begin(), spellings.end());
        std::string out;
        for (const auto& word : unexpected_words(error.what())) {
            if (!out.empty()) out += "; ";
            const std::string name = word.substr(0, word.find('='));
            if (name.rfind("-", 0) == 0) {
                out += "unknown option `" + name + "`" + jobfile::did_you_mean(name, candidates);
            } else {
                out += "unexpected argument `" + word + "`";
            }
        }
        if (!out.empty()) return prefix + out + " (see " + help + ")";
    }
    return std::nullopt;
}

}  // namespace gaia::cli
