#pragma once
// The `auth` of an http job: Basic and Bearer are headers gaia writes; Digest (a challenge
// and its answer) and AWS Signature Version 4 (a signature over the whole request) are
// libcurl's, so such requests go through the libcurl engine. Every credential is a
// secret: its rendered value joins the run's redactor.

#include "core/jobfile/compile_context.hpp"
#include "core/jobfile/template.hpp"
#include "core/text/redactor.hpp"
#include "jobs/http/http_engine.hpp"

#include <optional>

namespace gaia::jobs::http {

struct AuthConfig {
    enum class Scheme { basic, bearer, digest, aws_sigv4 };
    Scheme scheme = Scheme::basic;
    jobfile::Template user, password;         // basic, digest
    jobfile::Template token;                  // bearer
    jobfile::Template provider, key, secret;  // aws_sigv4: provider as libcurl takes it, "aws:amz:REGION:SERVICE"
};

// `auth = { basic = { user, password } }`, `{ bearer = "TOKEN" }`, `{ digest = { user,
// password } }` or `{ aws_sigv4 = { provider, key, secret } }`; problems go to ctx.
std::optional<AuthConfig> compile_auth(const toml::node& node, jobfile::CompileContext& ctx);

// Renders the credentials into the request (a header, or HttpRequest::auth).
void apply_auth(const AuthConfig& auth, const jobfile::RenderScope& scope, HttpRequest& request, text::Redactor& redactor);

}  // namespace gaia::jobs::http
