// Command bare is the benchmark's yardstick: a bare net/http server that
// answers every request with one fixed JSON body, the same size as the
// igny8 response it is compared with. bench/run.sh measures it beside
// igny8 with the same load generator, so that a cell's "ratio to bare" says
// how much igny8 itself costs on this machine.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	bodyFile := flag.String("body", "", "file whose bytes are the response body (default: a JSON body of -size bytes)")
	size := flag.Int("size", 2048, "size of the generated JSON body when -body is not given")
	flag.Parse()

	body, err := loadBody(*bodyFile, *size)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bare listening on http://%s (%d byte body)\n", ln.Addr(), len(body))
	length := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
