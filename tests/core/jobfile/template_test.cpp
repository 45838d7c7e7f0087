#include "core/jobfile/template.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobfile;

TEST_CASE("templates split into literals and references") {
    TemplateSyntaxError error;
    auto t = Template::compile("{{ vars.base }}/items/{{index}}", &error);
    REQUIRE(t);
    REQUIRE(t->parts().size() == 2);
    CHECK(t->parts()[0].ref->kind == TemplateRef::Kind::var);
    CHECK(t->parts()[1].literal == "/items/");
    CHECK(t->parts()[1].ref->kind == TemplateRef::Kind::index);
}

TEST_CASE("a literal {{ is written as a quoted string") {
    TemplateSyntaxError error;
    auto t = Template::compile("a {{ \"{{\" }} b", &error);
    REQUIRE(t);
    CHECK(t->is_literal());
    CHECK(t->render(RenderScope{}) == "a {{ b");
}

TEST_CASE("template syntax errors carry the offset") {
    TemplateSyntaxError error;
    CHECK_FALSE(Template::compile("abc {{ vars.x", &error));
    CHECK(error.offset == 4);
    CHECK(error.message.find("unclosed") != std::string::npos);
    CHECK_FALSE(Template::compile("{{ nope.x }}", &error));
    CHECK(error.message.find("unknown template name `nope.x`") != std::string::npos);
    CHECK_FALSE(Template::compile("{{ jobs.a }}", &error));
    CHECK_FALSE(Template::compile("{{ }}", &error));
}

TEST_CASE("rendering resolves every kind of name") {
    TemplateSyntaxError error;
    Vars vars{{"host", "example"}};
    nlohmann::json item = {{"id", 7}, {"tags", {"a"}}};
    nlohmann::json captured = "tok";
    RenderScope scope;
    scope.vars = &vars;
    scope.index = 3;
    scope.item = &item;
    scope.capture = [&](std::string_view job, std::string_view cap) -> const nlohmann::json* {
        return job == "login" && cap == "token" ? &captured : nullptr;
    };
    scope.run_name = "nightly";
    scope.run_id = "abc";
    auto t = Template::compile("{{vars.host}} {{index}} {{item.id}} {{item.tags}} {{jobs.login.token}} {{run.name}}/{{run.id}}",
                               &error);
    REQUIRE(t);
    CHECK(t->render(scope) == "example 3 7 [\"a\"] tok nightly/abc");
    auto missing = Template::compile("{{ jobs.login.nope }}", &error);
    REQUIRE(missing);
    CHECK_THROWS_AS(missing->render(scope), RenderError);
}

TEST_CASE("sole_ref recognises a whole-string reference") {
    TemplateSyntaxError error;
    CHECK(Template::compile("{{ jobs.a.b }}", &error)->sole_ref() != nullptr);
    CHECK(Template::compile("x{{ jobs.a.b }}", &error)->sole_ref() == nullptr);
}

TEST_SUITE_END();
