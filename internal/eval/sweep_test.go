package eval

import (
	"strings"
	"testing"
)

func TestGridSettings(t *testing.T) {
	g := Grid{Ratios: []float64{0.5, 1}, RRFK: []int{10, 60}, Decays: []float64{0}, Guards: []string{"agreement", "off"}}
	s, err := g.Settings(true)
	if err != nil || len(s) != 8 || s[0].DenseWeight != 0.5 || s[0].RRFK != 10 || s[7].FusionGuard != "off" {
		t.Fatalf("hybrid grid: %v %+v", err, s)
	}
	// Keyword-only: only the decay applies.
	s, err = g.Settings(false)
	if err != nil || len(s) != 1 || s[0].Hybrid || len(s[0].ConfigValues()) != 1 {
		t.Fatalf("keyword grid: %v %+v", err, s)
	}
	if _, err := (Grid{Ratios: []float64{1, 2, 3, 4, 5}, RRFK: []int{1, 2, 3, 4}, Decays: make([]float64, 4), Guards: []string{"off"}}).Settings(true); err == nil ||
		!strings.Contains(err.Error(), "80 settings") {
		t.Errorf("oversized grid: %v", err)
	}
	if _, err := (Grid{Ratios: []float64{1}, RRFK: []int{60}, Decays: []float64{0}, Guards: []string{"maybe"}}).Settings(true); err == nil {
		t.Error("unknown guard accepted")
	}
	if _, err := (Grid{Ratios: []float64{1}, RRFK: []int{60}, Guards: []string{"off"}}).Settings(true); err == nil {
		t.Error("empty decay list accepted")
	}
	// Ratio 0 is keywords alone: one row per decay, however many rrf_k
	// and guards, and --write turns the dense leg off.
	s, err = Grid{Ratios: []float64{0, 1}, RRFK: []int{10, 60}, Decays: []float64{0}, Guards: []string{"agreement", "off"}}.Settings(true)
	if err != nil || len(s) != 5 || s[0].Hybrid || !s[0].DenseOff {
		t.Fatalf("grid with ratio 0: %v %+v", err, s)
	}
	if kv := s[0].ConfigValues(); len(kv) != 2 || kv[1] != [2]string{"search.dense_weight", "0"} {
		t.Errorf("keywords-alone setting writes %v", kv)
	}
}

func TestBest(t *testing.T) {
	rows := []SweepRow{
		{Metrics: Metrics{NDCG10: 0.5, Recall10: 0.7}},
		{Metrics: Metrics{NDCG10: 0.6, Recall10: 0.7}},
		{Metrics: Metrics{NDCG10: 0.6, Recall10: 0.8}},
		{Metrics: Metrics{NDCG10: 0.6, Recall10: 0.8}},
	}
	if b := Best(rows, "ndcg@10"); b != 2 {
		t.Errorf("best by nDCG@10 = %d, want 2 (ties: higher recall, then earlier)", b)
	}
	if b := Best(rows, "recall@10"); b != 2 {
		t.Errorf("best by recall@10 = %d, want 2 (ties: higher nDCG@10, then earlier)", b)
	}
	if b := Best(nil, "ndcg@10"); b != -1 {
		t.Errorf("best of none = %d", b)
	}
}
