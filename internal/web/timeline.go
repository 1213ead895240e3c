package web

import (
	"net/http"
	"strconv"
	"time"
)

// The timeline is an SVG bar chart drawn on the server: one bar per day,
// the count on hover (<title>), a bar links to that day's memories.

const (
	chartW, chartH = 900, 220
	chartPad       = 30 // room for the axis labels
)

type bar struct {
	X, Y, W, H float64
	Day        string
	Count      int
	Link       string
}

type tick struct {
	X     float64
	Label string
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request) {
	m := s.memory(w, r)
	if m == nil {
		return
	}
	days := atoi(r.URL.Query().Get("days"))
	if days <= 0 {
		days = 90
	}
	ns := r.URL.Query().Get("ns")
	now := time.Now()
	counts, err := m.MemoriesPerDay(r.Context(), now.AddDate(0, 0, -(days-1)), now, ns, time.Local)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	peak, total := 0, 0
	for _, c := range counts {
		peak = max(peak, c.Count)
		total += c.Count
	}
	slot := float64(chartW-2*chartPad) / float64(len(counts))
	every := max(len(counts)/8, 1)
	plotH := float64(chartH - 2*chartPad)
	var bars []bar
	var ticks []tick
	for i, c := range counts {
		x := float64(chartPad) + float64(i)*slot
		h := 0.0
		if peak > 0 {
			h = plotH * float64(c.Count) / float64(peak)
		}
		if c.Count > 0 && h < 2 {
			h = 2 // a day with one memory among hundreds still shows
		}
		d := c.Day.Format(time.DateOnly)
		bars = append(bars, bar{X: x + slot*0.1, Y: float64(chartPad) + plotH - h, W: slot * 0.8, H: h, Day: d, Count: c.Count,
			Link: "/memories?since=" + d + "&until=" + c.Day.AddDate(0, 0, 1).Format(time.DateOnly)})
		// A label every few days, and one under the last day (today),
		// unless it would overlap the one before.
		if i%every == 0 && (i+every/2 < len(counts) || i == len(counts)-1) || i == len(counts)-1 && i%every >= every/2 {
			ticks = append(ticks, tick{X: x, Label: c.Day.Format("Jan 2")})
		}
	}
	s.ok(w, r, "timeline", map[string]any{"Bars": bars, "Ticks": ticks, "Peak": peak, "Total": total, "Days": days, "NS": ns,
		"W": chartW, "H": chartH, "Pad": chartPad, "Base": chartH - chartPad, "PeakLabel": strconv.Itoa(peak), "Counts": counts})
}
