// Package cgosqlite is an HTTP function that needs cgo: github.com/mattn/go-sqlite3
// compiles SQLite's C sources into the binary (build with CGO_ENABLED=1).
package cgosqlite

import (
	"database/sql"
	"fmt"
	"net/http"

	_ "github.com/mattn/go-sqlite3"
)

// Query answers with the result of a query run by the linked SQLite.
func Query(w http.ResponseWriter, r *http.Request) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer db.Close()
	var version string
	var answer int
	if err := db.QueryRow("select sqlite_version(), 6 * 7").Scan(&version, &answer); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "sqlite %s says %d\n", version, answer)
}
