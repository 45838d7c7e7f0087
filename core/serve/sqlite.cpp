#include "core/serve/sqlite.hpp"

namespace gaia::serve::sqlite {

Connection::Connection(const std::string& path, bool create) : path_(path) {
    // FULLMUTEX: the writer and the reader each have a connection, but the after-work of one
    // request may close while another thread finishes with it; SQLite's own mutex is cheap.
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(rc & 0xff, path + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::fail(int code, std::string_view what) const {
    std::string message(what);
    message += ": ";
    message += sqlite3_errmsg(db_);
    throw Error(code & 0xff, message);
}

void Connection::exec(std::string_view sql) {
    char* error = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw Error(rc & 0xff, message);
    }
}

Statement Connection::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(rc, "preparing `" + std::string(sql.substr(0, 60)) + "`");
    return Statement(*this, stmt);
}

bool Connection::read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int i, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, i, value); rc != SQLITE_OK) connection_->fail(rc, "binding");
    return *this;
}

Statement& Statement::bind(int i, double value) {
    if (const int rc = sqlite3_bind_double(stmt_, i, value); rc != SQLITE_OK) connection_->fail(rc, "binding");
    return *this;
}

Statement& Statement::bind(int i, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, i, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) connection_->fail(rc, "binding");
    return *this;
}

Statement& Statement::bind_null(int i) {
    if (const int rc = sqlite3_bind_null(stmt_, i); rc != SQLITE_OK) connection_->fail(rc, "binding");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
    sqlite3_reset(stmt_);
    connection_->fail(rc, "`" + sql.substr(0, 60) + "`");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

std::string_view Statement::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    if (!p) return {};
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace gaia::serve::sqlite
