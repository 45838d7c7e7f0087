#pragma once
// Callbacks that must not outlive their object. An owner holds a Lifetime and wraps every
// callback it hands to something that may answer after the owner is gone (a CDP reply
// posted to a later loop turn, a timer of another object): once the owner is destroyed,
// the wrapped callback does nothing.

#include <memory>
#include <utility>

namespace gaia::loop {

class Lifetime {
public:
    Lifetime() = default;
    Lifetime(const Lifetime&) = delete;
    Lifetime& operator=(const Lifetime&) = delete;

    template <class F>
    auto guard(F fn) const {
        return [alive = std::weak_ptr<const char>(token_), fn = std::move(fn)](auto&&... args) mutable {
            if (alive.expired()) return;
            fn(std::forward<decltype(args)>(args)...);
        };
    }

    // Drops every callback handed out so far (the owner starts over, e.g. a new attempt).
    void renew() { token_ = std::make_shared<const char>(0); }

private:
    std::shared_ptr<const char> token_ = std::make_shared<const char>(0);
};

}  // namespace gaia::loop
