package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// maxFormValue is the most characters of any query parameter or form
// value of a page. The services apply each field's own limit (a name is
// at most igny8.MaxNameLen characters); this bound keeps everything else
// (a search, a redirect target) from reaching the database unbounded.
const maxFormValue = 1000

// maxFormBytes is the largest form body a page reads.
const maxFormBytes = 1 << 20

// pathParams lists the parameters of a page's path pattern; an id (id,
// user) must look like one.
func pathParams(pattern string) (names []string, ids []bool) {
	for _, s := range strings.Split(pattern, "/") {
		if strings.HasPrefix(s, "{") && s != "{$}" {
			name := strings.Trim(s, "{}")
			names = append(names, name)
			ids = append(ids, name == "id" || name == "user")
		}
	}
	return names, ids
}

// checkInput refuses what no page handler should see, before any of them
// runs: a path value that cannot name anything is not_found (the page is
// not there), and every query parameter and form value must be text
// (igny8.TextFault) of at most maxFormValue characters (validation_failed
// naming the field).
func checkInput(w http.ResponseWriter, r *http.Request, names []string, ids []bool) error {
	for i, name := range names {
		v := r.PathValue(name)
		if igny8.TextFault(v) != "" || ids[i] && !igny8.IsID(v) {
			return igny8.Errorf(igny8.ENotFound, "There is no such page.")
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return &igny8.Error{Code: igny8.EValidation, Status: http.StatusBadRequest, Message: "The form could not be read; go back and try again."}
	}
	return httpx.CheckValues(r.Form, func(string) int { return maxFormValue })
}
