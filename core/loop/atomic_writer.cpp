#include "core/loop/atomic_writer.hpp"

#include "core/loop/fs.hpp"
#include "core/loop/uv_error.hpp"
#include "core/loop/work.hpp"

#include <cstring>
#include <filesystem>

namespace gaia::loop {

std::shared_ptr<AtomicWriter> AtomicWriter::create(Loop& loop, std::string target, unsigned mode) {
    return std::shared_ptr<AtomicWriter>(new AtomicWriter(loop, std::move(target), mode));
}

AtomicWriter::~AtomicWriter() = default;  // every thread-pool call holds a reference: none is in flight

void AtomicWriter::open(Done done) {
    opening_ = true;
    auto staged = std::make_shared<StagedFile>();
    auto error = std::make_shared<std::string>();
    queue_work(
        loop_, [staged, error, target = target_, mode = mode_] { *error = staged->open(target, mode); },
        [self = shared_from_this(), staged, error, done = std::move(done)](bool cancelled) {
            self->opening_ = false;
            if (cancelled) {
                self->fail("cannot create " + self->target_ + ": gaia is stopping");
            } else if (!error->empty()) {
                // In the words of a transfer: where the body could not go.
                const auto parent = std::filesystem::path(self->target_).parent_path();
                const std::string dir = parent.empty() ? "." : parent.string();
                self->fail(staged->open_errno() != 0
                               ? "cannot create a temporary file in " + dir + ": " + std::strerror(staged->open_errno())
                               : *error);
            } else {
                self->staged_ = staged;
                if (self->done_) self->drop_staged();  // aborted while opening
            }
            if (done) done(self->error_);
            self->pump();
        });
}

void AtomicWriter::write(std::string_view data) {
    if (done_ || !error_.empty() || data.empty()) return;
    queue_.emplace_back(data);
    pending_bytes_ += data.size();
    pump();
}

void AtomicWriter::on_drain(std::size_t low_water, std::function<void()> fn) {
    low_water_ = low_water;
    drained_ = std::move(fn);
}

void AtomicWriter::fail(std::string error) {
    if (error_.empty()) error_ = std::move(error);
    queue_.clear();
    pending_bytes_ = 0;
}

void AtomicWriter::pump() {
    if (writing_ || opening_) return;
    if (!queue_.empty() && staged_ && error_.empty() && !done_) {
        writing_ = true;
        const std::string& chunk = queue_.front();
        fs::write(loop_, staged_->fd(), chunk.data(), chunk.size(), static_cast<std::int64_t>(offset_),
                  [self = shared_from_this()](std::int64_t result) {
                      self->writing_ = false;
                      if (self->done_) {
                          self->drop_staged();
                          return;
                      }
                      if (result < 0) {
                          self->fail(uv_message(static_cast<int>(result), "cannot write " + self->target_));
                      } else if (!self->queue_.empty()) {
                          auto& front = self->queue_.front();
                          const auto n = static_cast<std::size_t>(result);
                          self->offset_ += n;
                          self->pending_bytes_ -= n;
                          if (n < front.size()) front.erase(0, n);  // a short write: the rest goes next
                          else self->queue_.pop_front();
                      }
                      if (self->drained_ && self->pending_bytes_ <= self->low_water_) {
                          auto drained = std::move(self->drained_);
                          self->drained_ = nullptr;
                          drained();
                      }
                      self->pump();
                  });
        return;
    }
    if (committing_ && (queue_.empty() || !error_.empty())) finish_commit();
}

void AtomicWriter::commit(Done done) {
    if (done_ || committing_) return;
    committing_ = true;
    commit_done_ = std::move(done);
    pump();
}

void AtomicWriter::finish_commit() {
    committing_ = false;
    done_ = true;
    auto self = shared_from_this();
    auto finish = [self](std::string error) {
        if (!error.empty()) self->fail(std::move(error));
        self->drop_staged();  // named, it only closes; not, it goes
        auto done = std::move(self->commit_done_);
        if (done) done(self->error_);
    };
    if (!error_.empty() || !staged_) {
        finish(error_.empty() ? "the file was never opened" : error_);
        return;
    }
    // Exactly the mode (0644, as any file a tool writes), whatever the umask; then fsync and
    // the name.
    auto staged = staged_;
    auto error = std::make_shared<std::string>();
    queue_work(
        loop_,
        [staged, error, mode = mode_] {
            *error = staged->set_mode(mode);
            if (error->empty()) *error = staged->commit(true);
        },
        [self, finish, error](bool cancelled) {
            if (cancelled) return finish("cannot create " + self->target_ + ": gaia is stopping");
            finish(*error);
        });
}

void AtomicWriter::abort() {
    if (done_) return;
    done_ = true;
    committing_ = false;
    commit_done_ = nullptr;
    drained_ = nullptr;
    queue_.clear();
    pending_bytes_ = 0;
    if (!writing_ && !opening_) drop_staged();
}

void AtomicWriter::drop_staged() {
    if (!staged_) return;
    // Closing (and, for an unnamed staging file that never got its name, unlinking the
    // fallback's hidden one) blocks: the thread pool does it.
    queue_work(loop_, [staged = std::move(staged_)]() mutable { staged.reset(); }, [self = shared_from_this()](bool) {});
}

}  // namespace gaia::loop
