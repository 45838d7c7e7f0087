// `if` conditions: every operator, the status functions, and the errors found when the
// job file is loaded (with the offset of the part they are about) or only at run time.

#include "core/jobfile/condition.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace gaia::jobfile;

TEST_SUITE_BEGIN("unit");

namespace {

struct Fixture {
    Vars vars{{"mode", "prod"}, {"count", "12"}};
    std::map<std::string, nlohmann::json> captures{
        {"probe.code", 204}, {"probe.body", "status: ok"}, {"probe.ok", true}, {"probe.text_code", "503\n"},
        {"probe.tags", nlohmann::json::array({"a", "b"})}, {"probe.headers", {{"etag", "x"}}}};

    bool eval(const std::string& text, bool succeeded = true, bool failed = false) {
        ConditionError error;
        auto c = Condition::compile(text, &error);
        INFO(text, " -> ", error.message);
        REQUIRE(c);
        Condition::Scope scope;
        scope.vars = &vars;
        scope.capture = [this](std::string_view job, std::string_view capture) -> const nlohmann::json* {
            const auto it = captures.find(std::string(job) + "." + std::string(capture));
            return it == captures.end() ? nullptr : &it->second;
        };
        scope.needs_succeeded = succeeded;
        scope.needs_failed = failed;
        return c->evaluate(scope);
    }
};

ConditionError error_of(const std::string& text) {
    ConditionError error;
    CHECK_FALSE(Condition::compile(text, &error));
    return error;
}

}  // namespace

TEST_CASE("conditions: every operator, over vars, captures and literals") {
    Fixture f;
    CHECK(f.eval("vars.mode == 'prod'"));
    CHECK(f.eval("vars.mode != \"dev\""));
    CHECK_FALSE(f.eval("vars.mode == 'dev'"));
    CHECK(f.eval("jobs.probe.code == 204"));
    CHECK(f.eval("jobs.probe.code < 300 && jobs.probe.code >= 200"));
    CHECK(f.eval("jobs.probe.code > 203.5"));
    CHECK(f.eval("jobs.probe.code <= 204"));
    CHECK(f.eval("vars.count > 9"));          // text that is a number compares as one
    CHECK(f.eval("jobs.probe.text_code == 503"));
    CHECK(f.eval("'abc' < 'abd'"));
    CHECK(f.eval("jobs.probe.code in [200, 204]"));
    CHECK_FALSE(f.eval("jobs.probe.code in [200, 201]"));
    CHECK(f.eval("'ok' in jobs.probe.body"));
    CHECK(f.eval("'b' in jobs.probe.tags"));
    CHECK(f.eval("'etag' in jobs.probe.headers"));
    CHECK(f.eval("vars.mode in ['prod', 'staging']"));
    CHECK(f.eval("!(vars.mode == 'dev') && (jobs.probe.ok || false)"));
    CHECK(f.eval("jobs.probe.missing == null"));
    CHECK(f.eval("env.GAIA_SURELY_UNSET_VARIABLE == null"));
    CHECK(f.eval("-1 < 0"));
    CHECK(f.eval("true || jobs.probe.body"));  // short-circuit: the text is never read as a truth
}

TEST_CASE("conditions: success(), failure() and always() are about the jobs it needs") {
    Fixture f;
    CHECK(f.eval("success()", true, false));
    CHECK_FALSE(f.eval("success()", false, true));
    CHECK(f.eval("failure()", false, true));
    CHECK_FALSE(f.eval("failure()", true, false));
    CHECK(f.eval("always()", false, true));
    CHECK(f.eval("failure() && vars.mode == 'prod'", false, true));
    ConditionError error;
    CHECK(Condition::compile("failure() || always()", &error)->checks_status());
    CHECK_FALSE(Condition::compile("vars.mode == 'x'", &error)->checks_status());
}

TEST_CASE("conditions: errors at load time name the part they are about") {
    auto e = error_of("vars.mode == 3 && 'a' == 1");
    CHECK(e.offset == 18);
    CHECK(e.message == "`==` compares text with a number: it is always false");
    CHECK(error_of("!'yes'").message == "`!` needs true or false, and `\"yes\"` is text (compare it: == '…')");
    CHECK(error_of("vars.mode").message == "the condition is text, not true or false: compare it (e.g. `== 'yes'`)");
    CHECK(error_of("vars.mode && true").message ==
          "`&&` needs true or false, and `vars.mode` is text (compare it: == '…')");
    CHECK(error_of("1 in 2").message == "`in` needs a list or text on its right, and `2` is a number");
    CHECK(error_of("true < 1").message == "`<` orders numbers or text, and `true` is true or false");
    auto unknown = error_of("vars.mode == 'a' || sucess()");
    CHECK(unknown.offset == 20);
    CHECK(unknown.message == "unknown function `sucess()` (did you mean `success`?) (there are success(), failure() and always())");
    CHECK(error_of("mode == 'a'").message.find("unknown name `mode`") == 0);
    CHECK(error_of("vars.mode = 'a'").message == "unexpected `=` (compare with ==)");
    CHECK(error_of("vars.mode == 'a").message == "this text has no closing '");
    CHECK(error_of("(vars.mode == 'a'").message == "expected `)`");
    CHECK(error_of("vars.mode ==").message == "the condition ends where a value was expected");
    CHECK(error_of("success(1)").message == "`success()` takes nothing");
}

TEST_CASE("conditions: a capture of the wrong type is an error only when evaluated") {
    Fixture f;
    CHECK_THROWS_WITH_AS(f.eval("jobs.probe.body && true"), "`jobs.probe.body` is \"status: ok\", not true or false",
                         ConditionEvalError);
    CHECK_THROWS_WITH_AS(f.eval("jobs.probe.body > 3"), "cannot order \"status: ok\" and 3", ConditionEvalError);
}

TEST_SUITE_END();
