package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// maxBenchSize bounds one corpus: a million chunks is ~400 MB of
// generated markdown in the temp directory and tens of minutes.
const maxBenchSize = 1_000_000

// parseSizes reads "1k,10k,100k" (a k suffix is thousands, m millions).
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			mult, f = 1000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "m"):
			mult, f = 1_000_000, strings.TrimSuffix(f, "m")
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n*mult > maxBenchSize {
			return nil, usagef("--sizes: %q is not a chunk count between 1 and 1m (write sizes like 1k,10k,100k)", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// sizeLabel is the short form of n: 1000 → "1k".
func sizeLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dm", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}
