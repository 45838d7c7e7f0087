// libFuzzer target: `{{ … }}` templates — compiled from the input and rendered against a
// scope with variables, an index, a JSON item and captures, under every text rule.

#include "core/jobfile/template.hpp"

#include <cstddef>
#include <cstdint>

using namespace gaia::jobfile;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    TemplateSyntaxError syntax;
    auto t = Template::compile(text, &syntax);
    if (!t) return 0;
    static const Vars vars = {{"base", "http://127.0.0.1:1"}, {"a", "x\r\ny"}, {"empty", ""}};
    static const nlohmann::json item = nlohmann::json::parse(R"({"k": {"n": [1, 2]}, "s": "v\u0000w", "t": true})");
    static const nlohmann::json capture = nlohmann::json::array({"a", 1, nullptr});
    RenderScope scope;
    scope.vars = &vars;
    scope.index = 7;
    scope.item = &item;
    scope.capture = [](std::string_view job, std::string_view) -> const nlohmann::json* {
        return job == "a" ? &capture : nullptr;
    };
    scope.run_name = "fuzz";
    scope.run_id = "id";
    for (TextRule rule : {TextRule::any, TextRule::no_nul, TextRule::header_value, TextRule::token, TextRule::url}) {
        Template copy = *t;
        copy.restrict_to(rule, "fuzz");
        try {
            (void)copy.render(scope);
        } catch (const RenderError&) {
        }
    }
    (void)t->sole_ref();
    return 0;
}
