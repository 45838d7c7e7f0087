#include "core/text/message_shape.hpp"

namespace gaia::text {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool names_what_follows(char c) { return c == '/' || c == '=' || c == '#' || c == '-' || c == '_'; }

}  // namespace

std::string message_shape(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    for (std::size_t i = 0; i < message.size();) {
        // After "//" comes a URL's host, not a path segment.
        const bool host = i >= 2 && message[i - 1] == '/' && message[i - 2] == '/';
        if (digit(message[i]) && i > 0 && names_what_follows(message[i - 1]) && !host) {
            while (i < message.size() && digit(message[i])) ++i;
            out += 'N';
        } else {
            out += message[i++];
        }
    }
    return out;
}

}  // namespace gaia::text
