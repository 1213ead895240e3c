package vector

import (
	"container/heap"
	"slices"
)

// Scored is a candidate: an id (a store row) and its score.
type Scored struct {
	ID    int64
	Score float32
}

// better orders candidates: higher score first, then lower id, so that
// ties break the same way every time (and the same way the SQL path did).
func (a Scored) better(b Scored) bool {
	return a.Score > b.Score || a.Score == b.Score && a.ID < b.ID
}

// TopK keeps the best K candidates offered to it, in a heap whose root is
// the worst one kept: each offer costs one comparison unless it makes the
// cut.
type TopK struct {
	K int
	h worstFirst
}

// Offer considers one candidate.
func (t *TopK) Offer(id int64, score float32) {
	s := Scored{id, score}
	switch {
	case len(t.h) < t.K:
		heap.Push(&t.h, s)
	case s.better(t.h[0]):
		t.h[0] = s
		heap.Fix(&t.h, 0)
	}
}

// Worst is the score a candidate must beat to make the cut; ok is false
// while fewer than K are kept (every candidate makes it).
func (t *TopK) Worst() (score float32, ok bool) {
	if len(t.h) < t.K {
		return 0, false
	}
	return t.h[0].Score, true
}

// Best returns the kept candidates, best first.
func (t *TopK) Best() []Scored {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b Scored) int {
		switch {
		case a.better(b):
			return -1
		case b.better(a):
			return 1
		}
		return 0
	})
	return out
}

type worstFirst []Scored

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(i, j int) bool { return h[j].better(h[i]) }
func (h worstFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstFirst) Push(x any)        { *h = append(*h, x.(Scored)) }
func (h *worstFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
