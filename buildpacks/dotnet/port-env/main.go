// port-env is an exec.d program (CNB launcher): it runs before the app starts and
// tells the launcher which environment to add, as TOML on file descriptor 3.
//
// ASP.NET Core listens on localhost:5000 unless told otherwise; platforms say the port
// in PORT (default 8080). So ASPNETCORE_HTTP_PORTS is set from PORT, unless the user
// already chose the addresses with ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS.
//
// It is a static binary because it must run on run images without a shell.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	for _, explicit := range []string{"ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS"} {
		if os.Getenv(explicit) != "" {
			return
		}
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		fmt.Fprintf(os.Stderr, "PORT=%q is not a TCP port number (1-65535): set PORT to the port to listen on\n", port)
		os.Exit(1)
	}
	out := os.NewFile(3, "exec.d output")
	if _, err := fmt.Fprintf(out, "ASPNETCORE_HTTP_PORTS = %q\n", port); err != nil {
		fmt.Fprintf(os.Stderr, "port-env: cannot write to file descriptor 3: %v\n", err)
		os.Exit(1)
	}
}
