#include "jobs/http/auth.hpp"

#include "core/text/base64.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::http {
namespace {

using jobfile::TextRule;

// The templates of a credentials table, every one of `keys` required.
std::optional<std::vector<jobfile::Template>> fields(const toml::node& node, std::string_view scheme,
                                                     const std::vector<std::string_view>& keys, jobfile::CompileContext& ctx) {
    const std::string what = "auth." + std::string(scheme);
    const auto* table = ctx.table(node, what);
    if (!table) return std::nullopt;
    ctx.check_keys(*table, keys, "`" + what + "`");
    std::vector<jobfile::Template> out;
    bool complete = true;
    for (const auto key : keys) {
        const auto* value = table->get(key);
        if (!value) {
            ctx.error(node, "`" + what + "` needs `" + std::string(key) + "`");
            complete = false;
            continue;
        }
        auto t = ctx.templ(*value, what + "." + std::string(key), TextRule::header_value);
        if (!t) complete = false;
        else out.push_back(std::move(*t));
    }
    if (!complete) return std::nullopt;
    return out;
}

// One scheme's table (or, for bearer, its token).
std::optional<AuthConfig> compile_scheme(const toml::key& key, const toml::node& value, jobfile::CompileContext& ctx) {
    const std::string_view scheme = key.str();
    AuthConfig auth;
    if (scheme == "bearer") {
        auto token = ctx.templ(value, "auth.bearer", TextRule::header_value);
        if (!token) return std::nullopt;
        auth.scheme = AuthConfig::Scheme::bearer;
        auth.token = std::move(*token);
        return auth;
    }
    if (scheme == "basic" || scheme == "digest") {
        auto f = fields(value, scheme, {"user", "password"}, ctx);
        if (!f) return std::nullopt;
        auth.scheme = scheme == "basic" ? AuthConfig::Scheme::basic : AuthConfig::Scheme::digest;
        auth.user = std::move((*f)[0]);
        auth.password = std::move((*f)[1]);
        return auth;
    }
    if (scheme == "aws_sigv4") {
        auto f = fields(value, scheme, {"provider", "key", "secret"}, ctx);
        if (!f) return std::nullopt;
        auth.scheme = AuthConfig::Scheme::aws_sigv4;
        auth.provider = std::move((*f)[0]);
        auth.key = std::move((*f)[1]);
        auth.secret = std::move((*f)[2]);
        return auth;
    }
    ctx.diags().error(jobfile::pos_of(key), "unknown `auth` scheme `" + std::string(scheme) +
                                                "` (basic, bearer, digest or aws_sigv4)");
    return std::nullopt;
}

}  // namespace

std::optional<AuthConfig> compile_auth(const toml::node& node, jobfile::CompileContext& ctx) {
    const auto* table = ctx.table(node, "auth");
    if (!table) return std::nullopt;
    if (table->size() != 1) {
        ctx.error(node, "`auth` is one of { basic = … }, { bearer = … }, { digest = … } or { aws_sigv4 = … }");
        return std::nullopt;
    }
    for (auto&& [key, value] : *table) return compile_scheme(key, value, ctx);  // the only entry
    return std::nullopt;
}

void apply_auth(const AuthConfig& auth, const jobfile::RenderScope& scope, HttpRequest& request, text::Redactor& redactor) {
    switch (auth.scheme) {
    case AuthConfig::Scheme::bearer: {
        const auto token = auth.token.render(scope);
        redactor.add_secret(token);
        request.headers.push_back("Authorization: Bearer " + token);
        break;
    }
    case AuthConfig::Scheme::basic: {
        const auto user = auth.user.render(scope), password = auth.password.render(scope);
        const auto credentials = text::encode_base64(user + ":" + password);
        redactor.add_secret(password);
        redactor.add_secret(credentials);  // what goes on the wire reveals the password too
        request.headers.push_back("Authorization: Basic " + credentials);
        break;
    }
    case AuthConfig::Scheme::digest:
        request.auth = {HttpRequest::Auth::Scheme::digest, auth.user.render(scope), auth.password.render(scope), {}};
        redactor.add_secret(request.auth.password);
        break;
    case AuthConfig::Scheme::aws_sigv4:
        request.auth = {HttpRequest::Auth::Scheme::aws_sigv4, auth.key.render(scope), auth.secret.render(scope),
                        auth.provider.render(scope)};
        redactor.add_secret(request.auth.user);
        redactor.add_secret(request.auth.password);
        break;
    }
}

}  // namespace gaia::jobs::http
