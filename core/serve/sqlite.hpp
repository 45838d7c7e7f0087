#pragma once
// A thin owner of SQLite's two handles for the state database (core/serve/state_store.hpp):
// a connection and its prepared statements, each closed by its destructor, every result
// code checked where the call is made and turned into an SqliteError naming the
// statement and SQLite's own message. Blocking: used on libuv's thread pool only.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gaia::serve::sqlite {

class Error : public std::runtime_error {
public:
    Error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }             // the primary result code
    bool disk_full() const noexcept { return code_ == SQLITE_FULL; }
    bool busy() const noexcept { return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED; }

private:
    int code_;
};

class Statement;

class Connection {
public:
    // Opens (and with `create`, creates) the database file. Throws Error.
    Connection(const std::string& path, bool create);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs statements that return no rows (schema, pragmas, BEGIN/COMMIT).
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    bool read_only() const;
    std::int64_t changes() const;
    sqlite3* get() const noexcept { return db_; }
    // SQLite's message for the last failure, with `what` in front; throws it as Error.
    [[noreturn]] void fail(int code, std::string_view what) const;

private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

class Statement {
public:
    Statement(const Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
    ~Statement();
    Statement(Statement&& other) noexcept : connection_(other.connection_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;

    // Binding is 1-based, as in SQL's ?NNN. Text is copied by SQLite.
    Statement& bind(int i, std::int64_t value);
    Statement& bind(int i, double value);
    Statement& bind(int i, std::string_view value);
    Statement& bind_null(int i);
    // One step: true when a row is ready to read, false when the statement is done.
    bool step();
    // Runs it to the end (for INSERT, UPDATE, DELETE) and resets it for the next binding.
    void run();
    void reset();

    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string_view text(int column) const;  // valid until the next step
    bool is_null(int column) const;

private:
    const Connection* connection_;
    sqlite3_stmt* stmt_;
};

}  // namespace gaia::serve::sqlite
