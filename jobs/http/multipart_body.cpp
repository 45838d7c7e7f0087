#include "jobs/http/multipart_body.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace gaia::jobs::http {
namespace {

// As browsers write names in a Content-Disposition (the WHATWG form encoding): the quote
// is escaped; CR and LF cannot reach here (the job file refuses them in these texts).
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += "%22";
        else out += c;
    }
    return out + "\"";
}

// A boundary no content is likely to hold: 24 random hex digits after a fixed prefix.
std::string make_boundary() {
    std::random_device random;
    std::string out = "gaia-form-";
    const char* digits = "0123456789abcdef";
    for (int i = 0; i < 24; ++i) out += digits[random() % 16];
    return out;
}

std::string last_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::shared_ptr<MultipartBody> MultipartBody::create(loop::Loop& loop, std::vector<MultipartPart> parts) {
    return std::shared_ptr<MultipartBody>(new MultipartBody(loop, std::move(parts)));
}

MultipartBody::MultipartBody(loop::Loop& loop, std::vector<MultipartPart> parts) : loop_(loop), boundary_(make_boundary()) {
    std::string pending;  // the CRLF that ends an upload opens the next segment's text
    for (auto& part : parts) {
        Segment segment;
        segment.text = pending + "--" + boundary_ + "\r\nContent-Disposition: form-data; name=" + quoted(part.name);
        if (part.file.empty()) {
            segment.text += "\r\n\r\n" + part.value + "\r\n";
            pending.clear();
        } else {
            segment.text += "; filename=" + quoted(part.filename.empty() ? last_name(part.file) : part.filename) +
                            "\r\nContent-Type: " + (part.type.empty() ? "application/octet-stream" : part.type) + "\r\n\r\n";
            segment.file = BodyFile::create(loop_, part.file, "multipart upload");
            pending = "\r\n";
        }
        segments_.push_back(std::move(segment));
    }
    segments_.push_back({pending + "--" + boundary_ + "--\r\n", nullptr});
}

MultipartBody::~MultipartBody() { close(); }

std::string MultipartBody::content_type() const { return "multipart/form-data; boundary=" + boundary_; }

void MultipartBody::open(std::function<void(const std::string&)> done) { open_from(0, std::move(done)); }

// One file after another; the size is whole once the last is open.
void MultipartBody::open_from(std::size_t index, std::function<void(const std::string&)> done) {
    while (index < segments_.size() && !segments_[index].file) ++index;
    if (index == segments_.size()) {
        size_ = 0;
        for (const auto& s : segments_) size_ += s.text.size() + (s.file ? s.file->size() : 0);
        return done({});
    }
    auto file = segments_[index].file;
    file->open([self = shared_from_this(), index, done = std::move(done)](const std::string& error) mutable {
        if (!error.empty()) {
            self->error_ = error;
            return done(self->error_);
        }
        self->open_from(index + 1, std::move(done));
    });
}

MultipartBody::Take MultipartBody::take(char* dst, std::size_t max, std::size_t* n) {
    *n = 0;
    if (!error_.empty()) return Take::error;
    while (current_ < segments_.size()) {
        auto& segment = segments_[current_];
        if (text_sent_ < segment.text.size()) {
            *n = std::min(max, segment.text.size() - text_sent_);
            std::memcpy(dst, segment.text.data() + text_sent_, *n);
            text_sent_ += *n;
            return Take::data;
        }
        if (segment.file && !file_done_) {
            switch (segment.file->take(dst, max, n)) {
            case Take::data: return Take::data;
            case Take::wait:
                segment.file->on_ready([weak = weak_from_this()] {
                    auto self = weak.lock();
                    if (!self || !self->ready_) return;
                    auto ready = std::move(self->ready_);
                    self->ready_ = nullptr;
                    ready();
                });
                return Take::wait;
            case Take::error:
                error_ = segment.file->error();
                return Take::error;
            case Take::end: file_done_ = true; break;
            }
        }
        ++current_;
        text_sent_ = 0;
        file_done_ = false;
    }
    return Take::end;
}

void MultipartBody::close() {
    ready_ = nullptr;
    for (auto& segment : segments_) {
        if (segment.file) segment.file->close();
    }
}

}  // namespace gaia::jobs::http
