package sqlstore

import (
	"fmt"
	"strings"
	"testing"
)

func TestRebindNumbersPlaceholdersAndCachesBounded(t *testing.T) {
	db := &DB{dialect: Postgres}
	q := "SELECT a FROM t WHERE b = ? AND c IN (" + strings.Repeat("?, ", 10) + "?)"
	want := "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
	for i := 0; i < 2; i++ { // computed, then cached
		if got := db.rebind(q); got != want {
			t.Fatalf("rebind #%d = %q", i, got)
		}
	}
	for i := 0; i < maxRebound+100; i++ {
		if got := db.rebind(fmt.Sprintf("SELECT %d WHERE x = ?", i)); got != fmt.Sprintf("SELECT %d WHERE x = $1", i) {
			t.Fatalf("rebind of text %d = %q", i, got)
		}
	}
	if n := db.reboundSize.Load(); n != maxRebound {
		t.Fatalf("cache holds %d texts, want the bound %d", n, maxRebound)
	}
	if sqlite := (&DB{dialect: SQLite}); sqlite.rebind(q) != q {
		t.Fatal("SQLite text changed")
	}
}
