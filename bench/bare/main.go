// Command bare is the benchmark's yardstick: a bare net/http server that
// answers every request with one fixed JSON body, the same size as the
// igny8 response it is compared with. bench/run.sh measures it beside
// igny8 with the same load generator, so that a cell's "ratio to bare" says
// how much igny8 itself costs on this machine.
//
// With -database-url, -account, -user and -family it is the floor: before
// answering it does the reads a fresh answer to GET /api/v1/sites needs,
// each one indexed query as igny8 runs it (prepared statements through
// database/sql, the same drivers as igny8, every column scanned): the
// credential's principal with its account state (the user, account, plan
// and the revoked-session check of an access token), then the page of
// sites. That is what any server that reads fresh must do per request.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// sitesQuery is the query igny8 runs for an owner's GET /api/v1/sites.
const sitesQuery = `SELECT s.id, s.account_id, s.name, s.slug, s.domain, s.industry_id, s.is_active,
	s.created_at, s.updated_at, s.deleted_at, s.purge_after
	FROM sites s WHERE s.deleted_at IS NULL AND s.account_id = $1 AND s.id > $2 ORDER BY s.id LIMIT 51`

// principalQuery is the query igny8 runs for an access token's principal
// (sqlstore's PrincipalForToken).
const principalQuery = `SELECT u.id, u.email, u.role, u.account_id, a.status, a.trial_ends_at,
	p.is_active, p.api_requests_per_minute, a.deleted_at
	FROM users u LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN plans p ON p.id = a.plan_id
	WHERE u.id = $1 AND u.deleted_at IS NULL AND u.is_active = TRUE AND NOT EXISTS (SELECT 1 FROM refresh_tokens r
	WHERE r.family_id = $2 AND r.revoked_at IS NOT NULL)`

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	bodyFile := flag.String("body", "", "file whose bytes are the response body (default: a JSON body of -size bytes)")
	size := flag.Int("size", 2048, "size of the generated JSON body when -body is not given")
	dbURL := flag.String("database-url", "", "igny8's database: run the sites query per request (SQLite path or postgres:// URL)")
	account := flag.String("account", "", "the account whose sites the query reads")
	user := flag.String("user", "", "the user whose principal is read first (with -family; floor mode)")
	family := flag.String("family", "", "the session family of -user's access token")
	flag.Parse()

	body, err := loadBody(*bodyFile, *size)
	if err != nil {
		log.Fatal(err)
	}
	var query, principal *sql.Stmt
	if *dbURL != "" {
		if query, principal, err = prepare(*dbURL); err != nil {
			log.Fatal(err)
		}
		if *user == "" {
			principal = nil
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bare listening on http://%s (%d byte body)\n", ln.Addr(), len(body))
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if principal != nil {
			if err := readPrincipal(r.Context(), principal, *user, *family); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		if query != nil {
			if err := readSites(r.Context(), query, *account); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})
	log.Fatal(http.Serve(ln, h))
}

// loadBody reads the body file, or makes a JSON object of about size bytes.
func loadBody(path string, size int) ([]byte, error) {
	if path != "" {
		return os.ReadFile(path)
	}
	pad := size - len(`{"pad":""}`)
	if pad < 0 {
		pad = 0
	}
	return []byte(`{"pad":"` + string(bytes.Repeat([]byte("x"), pad)) + `"}`), nil
}

// prepare opens the database read-only as igny8 reads it and prepares the
// sites and principal queries.
func prepare(dbURL string) (*sql.Stmt, *sql.Stmt, error) {
	driver, dsn := "pgx", dbURL
	if !strings.HasPrefix(dbURL, "postgres") {
		driver = "sqlite"
		dsn = "file:" + dbURL + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=query_only(1)&_time_format=sqlite"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	sites, err := db.Prepare(sitesQuery)
	if err != nil {
		return nil, nil, err
	}
	principal, err := db.Prepare(principalQuery)
	return sites, principal, err
}

// readPrincipal runs the principal query and scans every column.
func readPrincipal(ctx context.Context, q *sql.Stmt, user, family string) error {
	cols := make([]any, 9)
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	return q.QueryRowContext(ctx, user, family).Scan(dest...)
}

// readSites runs the query and scans every column of every row.
func readSites(ctx context.Context, q *sql.Stmt, account string) error {
	rows, err := q.QueryContext(ctx, account, "")
	if err != nil {
		return err
	}
	defer rows.Close()
	cols := make([]any, 11)
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no sites for account %q", account)
	}
	return rows.Err()
}
