package web

import (
	"net/http"
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
	s.ok(w, r, "timeline", timelineView{bars: bars, ticks: ticks, peak: peak, total: total, days: days, ns: ns})
}

type timelineView struct {
	bars              []bar
	ticks             []tick
	peak, total, days int
	ns                string
}

func (timelineView) title() string { return "Timeline" }

func (v timelineView) body(d *doc) {
	const base = chartH - chartPad
	d.raw("<h1>Timeline</h1>\n<form method=\"get\" action=\"/timeline\" class=\"row filters\">\n  <label>days <input name=\"days\" value=\"").num(v.days).
		raw("\" size=\"4\"></label>\n  <label>namespace <input name=\"ns\" value=\"").text(v.ns).raw("\"></label>\n  <button>Show</button>\n</form>\n<p class=\"meta\">").
		num(v.total).raw(" memories in the last ").num(v.days).raw(" days; the busiest day had ").num(v.peak).raw(".</p>\n").
		raw("<svg class=\"chart\" viewBox=\"0 0 ").num(chartW).raw(" ").num(chartH).raw("\" role=\"img\" aria-label=\"memories per day\">\n").
		raw("  <line x1=\"").num(chartPad).raw("\" y1=\"").num(base).raw("\" x2=\"").num(chartW - chartPad).raw("\" y2=\"").num(base).raw("\" class=\"axis\"/>\n").
		raw("  <text x=\"").num(chartPad).raw("\" y=\"").num(chartPad).raw("\" class=\"label\" text-anchor=\"end\" dx=\"-4\">").num(v.peak).raw("</text>\n").
		raw("  <text x=\"").num(chartPad).raw("\" y=\"").num(base).raw("\" class=\"label\" text-anchor=\"end\" dx=\"-4\">0</text>\n")
	for _, b := range v.bars {
		if b.Count == 0 {
			continue
		}
		d.raw("  <a href=\"").link(b.Link).raw("\"><rect x=\"").float(b.X).raw("\" y=\"").float(b.Y).raw("\" width=\"").float(b.W).raw("\" height=\"").float(b.H).
			raw("\" class=\"bar\" data-day=\"").text(b.Day).raw("\" data-count=\"").num(b.Count).raw("\"><title>").text(b.Day).raw(": ").num(b.Count).raw("</title></rect></a>\n")
	}
	for _, t := range v.ticks {
		d.raw("  <text x=\"").float(t.X).raw("\" y=\"").num(base + 16).raw("\" class=\"label\">").text(t.Label).raw("</text>\n")
	}
	d.raw("</svg>\n")
}
