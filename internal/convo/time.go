package convo

import (
	"fmt"
	"strings"
	"time"
)

// timeLayouts are the ways transcripts write when a session happened: RFC
// 3339 (chat exports, memtomem's own created lines), ISO dates with and
// without a time, and the spelled-out form of LoCoMo-style transcripts
// ("1:56 pm on 8 May, 2023"). Times without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"3:04 pm on 2 January, 2006",
	"3:04 pm on 2 January 2006",
	"2 January 2006",
	"2 January, 2006",
	"January 2, 2006",
}

// ParseTime reads a session's date as a transcript writes it (see
// timeLayouts). Case and surrounding space do not matter ("1:56 PM").
func ParseTime(s string) (time.Time, error) {
	t := strings.Join(strings.Fields(s), " ")
	low := strings.ToLower(t)
	for _, layout := range timeLayouts {
		src := t
		if strings.Contains(layout, "pm") {
			src = low // Go matches "pm" only in the layout's case
		}
		if tm, err := time.Parse(layout, src); err == nil {
			if y := tm.Year(); y < 1 || y > 9999 {
				break
			}
			return tm.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not a time memtomem reads: write it as RFC 3339 (2023-05-08T13:56:00Z), 2023-05-08, or \"1:56 pm on 8 May, 2023\"", s)
}
