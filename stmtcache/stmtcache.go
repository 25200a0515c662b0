// Package stmtcache keeps the statements a database/sql connection has prepared, by their
// SQL text, so that a query run again on the same connection skips its preparation.
//
// PocketBase passes every query as text (dbx without Prepare): database/sql hands the text
// to the driver's QueryContext or ExecContext, and the SQLite driver (modernc.org/sqlite)
// prepares it with sqlite3_prepare_v2, runs it and finalizes it, every time. A message's
// create alone prepares its INSERT, one SELECT count(*) per relation field and the
// appliance's own checks: 11 % of the create's CPU in BenchmarkMessageCreate's profile.
// Here a connection keeps up to Size statements, least recently used out first, and runs
// a statement again after sqlite3_reset (the driver's statements do that themselves when
// they are reused: modernc.org/sqlite stmt.exec and rows.Close with reuseStmt).
//
// What stays as it was: a statement's results (SQLite re-prepares a statement by itself
// when the schema changed: sqlite3_prepare_v2, "SQLITE_SCHEMA"), transactions (statements
// belong to the connection, not to a transaction), database/sql's argument conversion
// (done before the driver is called), explicit Prepare calls (passed through, owned by the
// caller). A statement whose rows are still open when the same text runs again on the same
// connection (a query inside the loop over another's rows) is not shared: that run
// prepares its own, as without the cache.
package stmtcache

import (
	"container/list"
	"context"
	"database/sql/driver"
	"reflect"
)

// DefaultSize is the number of statements a connection keeps. Each costs its compiled
// program and a C copy of its text (a few KB); PocketBase keeps 15 + 3 idle connections
// (data.db, auxiliary.db) and closes them after 3 idle minutes, up to 140 in a burst.
const DefaultSize = 64

// MaxQueryBytes: longer SQL texts (built with many values, seldom the same twice) are not kept.
const MaxQueryBytes = 4096

// Connector opens connections of drv with dsn whose statements are kept (Size per
// connection). It is a driver.Connector for sql.OpenDB.
type Connector struct {
	drv  driver.Driver
	dsn  string
	size int
}

// NewConnector returns a Connector for sql.OpenDB; size ≤ 0 means DefaultSize.
func NewConnector(drv driver.Driver, dsn string, size int) *Connector {
	if size <= 0 {
		size = DefaultSize
	}
	return &Connector{drv: drv, dsn: dsn, size: size}
}

// Connect opens a connection of the driver. A connection that lacks one of the
// interfaces the cache needs (see full) is returned as the driver made it.
func (c *Connector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	f, ok := inner.(full)
	if !ok {
		return inner, nil
	}
	return &Conn{full: f, size: c.size, byQuery: map[string]*list.Element{}}, nil
}

// Driver returns the wrapped driver.
func (c *Connector) Driver() driver.Driver { return c.drv }

// full is what a driver's connection offers and the cache relies on.
type full interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// Conn is a connection with its kept statements. database/sql never uses one connection
// from two goroutines at once (it holds the connection's lock around every driver call,
// Rows.Close included), so Conn has no lock of its own.
type Conn struct {
	full
	size    int
	byQuery map[string]*list.Element // of *entry
	lru     list.List                // front: most recently used
	hits    uint64
	misses  uint64
}

type entry struct {
	query    string
	stmt     driver.Stmt
	busy     bool // its rows are open
	orphaned bool // no longer kept (the connection closed while its rows were open): closed with them
}

// statement returns the kept statement of query, preparing it on the first run, or nil
// when it is in use or not to be kept (the caller then runs query without the cache); an
// error is the preparation's.
func (c *Conn) statement(ctx context.Context, query string) (*entry, error) {
	if len(query) > MaxQueryBytes {
		return nil, nil
	}
	if el, ok := c.byQuery[query]; ok {
		e := el.Value.(*entry)
		if e.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		c.hits++
		return e, nil
	}
	s, err := c.full.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, canExec := s.(driver.StmtExecContext)
	_, canQuery := s.(driver.StmtQueryContext)
	if !canExec || !canQuery { // not to be kept: run without the cache
		_ = s.Close()
		return nil, nil
	}
	c.misses++
	e := &entry{query: query, stmt: s}
	el := c.lru.PushFront(e)
	c.byQuery[query] = el
	c.evict(el)
	return e, nil
}

// evict closes the least recently used statements beyond size that are not in use, never
// keep (the statement just prepared, about to run).
func (c *Conn) evict(keep *list.Element) {
	for el := c.lru.Back(); el != nil && c.lru.Len() > c.size; {
		prev := el.Prev()
		if e := el.Value.(*entry); !e.busy && el != keep {
			c.lru.Remove(el)
			delete(c.byQuery, e.query)
			_ = e.stmt.Close()
		}
		el = prev
	}
}

// ExecContext runs query with the kept statement of its text (driver.ExecerContext).
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	e, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.full.ExecContext(ctx, query, args)
	}
	e.busy = true
	defer func() { e.busy = false }()
	return e.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs query with the kept statement of its text (driver.QueryerContext); the
// statement is in use until the rows are closed.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	e, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.full.QueryContext(ctx, query, args)
	}
	e.busy = true
	handed := false
	defer func() {
		if !handed { // an error, or a panic on its way up
			e.busy = false
		}
	}()
	r, err := e.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	handed = true
	return &rows{Rows: r, e: e}, nil
}

// Close closes the kept statements, then the connection. A statement whose rows are still
// open (database/sql closes a connection only once its rows are closed, so not expected)
// is closed with its rows instead.
func (c *Conn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		if e := el.Value.(*entry); e.busy {
			e.orphaned = true
		} else {
			_ = e.stmt.Close()
		}
	}
	c.lru.Init()
	clear(c.byQuery)
	return c.full.Close()
}

// Stats returns how many runs found their statement kept and how many prepared one.
func (c *Conn) Stats() (hits, misses uint64) { return c.hits, c.misses }

// Unwrap returns the driver's own connection (for driver-specific calls through
// sql.Conn.Raw).
func (c *Conn) Unwrap() driver.Conn { return c.full }

// rows hands the statement back when closed and passes the column type questions on.
type rows struct {
	driver.Rows
	e *entry
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	r.e.busy = false
	if r.e.orphaned {
		_ = r.e.stmt.Close()
	}
	return err
}

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
