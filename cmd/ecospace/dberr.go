package main

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// dbHint is where the database is configured, for error messages.
const dbHint = "check --database-url / DATABASE_URL"

// dbError is a database connection that failed, said in one line: where
// (host, port, user, database; never the password), why, and what to
// check. It wraps the driver's error (and so data.ErrUnavailable when the
// store classed it so).
type dbError struct {
	msg string
	err error
}

func (e *dbError) Error() string { return e.msg }
func (e *dbError) Unwrap() error { return e.err }

// explainDBError turns a failed connection into a dbError; other errors
// are returned as they are.
func explainDBError(err error) error {
	var ce *pgconn.ConnectError
	if err == nil || !errors.As(err, &ce) || ce.Config == nil {
		return err
	}
	where := fmt.Sprintf("PostgreSQL at %s as user %s, database %s", hostPort(ce.Config.Host, ce.Config.Port), ce.Config.User, ce.Config.Database)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// The server answered: it refused the user, the password or the
		// database.
		return &dbError{fmt.Sprintf("%s refused the connection: %s (%s); %s", where, pe.Message, pe.Code, dbHint), err}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &dbError{fmt.Sprintf("cannot reach %s: cannot resolve host %s (%s); check the host in --database-url / DATABASE_URL", where, dns.Name, dns.Err), err}
	}
	return &dbError{fmt.Sprintf("cannot reach %s: %s; is PostgreSQL running? %s", where, connectCause(ce), dbHint), err}
}

func hostPort(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("the socket in %s (port %d)", host, port)
	}
	return net.JoinHostPort(host, fmt.Sprint(port))
}

// connectCause is why a connection could not be made, once, without the
// per-address repetition of the driver's message (it tries each address,
// with and without TLS).
func connectCause(ce *pgconn.ConnectError) string {
	var op *net.OpError
	if errors.As(ce, &op) {
		if op.Timeout() {
			return "no answer (timed out)"
		}
		if op.Err != nil {
			msg := op.Err.Error()
			if i := strings.LastIndex(msg, ": "); i >= 0 {
				msg = msg[i+2:] // "connect: connection refused" → "connection refused"
			}
			return msg
		}
	}
	msg := ce.Unwrap().Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}
