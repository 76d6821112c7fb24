package sqlstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rawAccountParam matches parameter names that carry an account id.
var rawAccountParam = regexp.MustCompile(`(?i)(account|acct)(_?id)?$`)

// systemFile reports whether the file holds the admin and system side of
// the store, whose functions reach across accounts by id on purpose:
// admin*.go, scope.go (the tenant constructors), ledger_verify.go (a
// report over every account) and maintenance.go (the import's Tx).
func systemFile(name string) bool {
	switch name {
	case "scope.go", "ledger_verify.go", "maintenance.go":
		return true
	}
	return strings.HasPrefix(name, "admin")
}

// crossTenantReceiver names the types whose methods are the admin and
// system side wherever they are written.
var crossTenantReceiver = map[string]bool{"Admin": true}

// TestNoRawAccountIDs keeps account-scoped helpers on the tenant value: no
// function or method of the package outside the admin and system side
// takes an account id as a string parameter, and only scope.go makes a
// tenant or a system value, so reaching another account needs one of the
// named constructors there (system.reach for the admin and system side).
func TestNoRawAccountIDs(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CompositeLit:
				// The zero value (an error return) names no account.
				if id, ok := x.Type.(*ast.Ident); ok && (id.Name == "tenant" || id.Name == "system") &&
					len(x.Elts) > 0 && name != "scope.go" {
					t.Errorf("%s: a %s is made outside scope.go; use scope, asSystem or a named constructor there",
						fset.Position(x.Pos()), id.Name)
				}
			case *ast.FuncDecl:
				if systemFile(name) || crossTenantReceiver[receiverName(x)] {
					return true
				}
				checkParams(t, fset, x.Name.Name, x.Type)
			case *ast.FuncLit:
				if !systemFile(name) {
					checkParams(t, fset, "func literal", x.Type)
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d files checked: run from the package directory", checked)
	}
}

// checkParams fails for each string parameter of ft named like an account id.
func checkParams(t *testing.T, fset *token.FileSet, fn string, ft *ast.FuncType) {
	t.Helper()
	for _, field := range ft.Params.List {
		if id, ok := field.Type.(*ast.Ident); !ok || id.Name != "string" {
			continue
		}
		for _, n := range field.Names {
			if rawAccountParam.MatchString(n.Name) {
				t.Errorf("%s: %s takes account id %s as a string; take a tenant (scope(ctx)) instead",
					fset.Position(n.Pos()), fn, n.Name)
			}
		}
	}
}

// receiverName is the type name of a method's receiver, "" for a function.
func receiverName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	typ := fd.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
