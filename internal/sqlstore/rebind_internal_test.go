package sqlstore

import (
	"strings"
	"testing"
)

func TestRebindNumbersPlaceholders(t *testing.T) {
	db := &DB{dialect: Postgres}
	q := "SELECT a FROM t WHERE b = ? AND c IN (" + strings.Repeat("?, ", 10) + "?)"
	want := "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	if got := db.rebind(q); got != want {
		t.Fatalf("rebind = %q", got)
	}
	if sqlite := (&DB{dialect: SQLite}); sqlite.rebind(q) != q {
		t.Fatal("SQLite text changed")
	}
}
