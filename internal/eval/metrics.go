package eval

import (
	"math"
	"slices"
)

// Metrics are averages over all queries of a dataset. The definitions match
// BEIR/pytrec_eval so numbers are comparable with published baselines.
type Metrics struct {
	NDCG10    float64 `json:"ndcg@10"`
	Recall10  float64 `json:"recall@10"`
	Recall100 float64 `json:"recall@100"`
	MRR10     float64 `json:"mrr@10"`
	Queries   int     `json:"queries"`
	// Unranked counts the queries that ranked nothing (no searchable word,
	// or no match): they score 0 and are worth a look.
	Unranked int `json:"queries_unranked"`
}

// Score evaluates ranked (query id → doc ids, best first) against ds.
//
//   - nDCG@10 uses linear graded gains, DCG = Σ rel_i / log2(i+1), normalised
//     by the DCG of the ideal ordering of the query's judged documents.
//   - Recall@k = |relevant ∩ top k| / |relevant|, relevant meaning qrel > 0.
//   - MRR@10 = 1 / rank of the first relevant doc within the top 10, else 0.
//
// Every query of ds counts: one missing from ranked, or with no relevant
// judgements, scores 0, so a system cannot look better by skipping hard
// queries. A doc id repeated in a ranking counts only at its first position
// (pytrec_eval takes runs as maps, where repeats cannot occur).
func Score(ds *Dataset, ranked map[string][]string) Metrics {
	m := Metrics{Queries: len(ds.Queries)}
	if m.Queries == 0 {
		return m
	}
	for _, q := range ds.Queries {
		rels := ds.Qrels[q.ID]
		ranking := dedupe(ranked[q.ID])
		if len(ranking) == 0 {
			m.Unranked++
		}
		m.NDCG10 += ndcg(ranking, rels, 10)
		m.Recall10 += recall(ranking, rels, 10)
		m.Recall100 += recall(ranking, rels, 100)
		m.MRR10 += mrr(ranking, rels, 10)
	}
	n := float64(m.Queries)
	m.NDCG10 /= n
	m.Recall10 /= n
	m.Recall100 /= n
	m.MRR10 /= n
	return m
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func ndcg(ranking []string, rels map[string]int, k int) float64 {
	var dcg float64
	for i, id := range ranking[:min(k, len(ranking))] {
		if r := rels[id]; r > 0 {
			dcg += float64(r) / math.Log2(float64(i+2))
		}
	}
	var gains []int
	for _, r := range rels {
		if r > 0 {
			gains = append(gains, r)
		}
	}
	slices.Sort(gains)
	slices.Reverse(gains)
	var idcg float64
	for i, r := range gains[:min(k, len(gains))] {
		idcg += float64(r) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

func recall(ranking []string, rels map[string]int, k int) float64 {
	relevant := 0
	for _, r := range rels {
		if r > 0 {
			relevant++
		}
	}
	if relevant == 0 {
		return 0
	}
	hits := 0
	for _, id := range ranking[:min(k, len(ranking))] {
		if rels[id] > 0 {
			hits++
		}
	}
	return float64(hits) / float64(relevant)
}

func mrr(ranking []string, rels map[string]int, k int) float64 {
	for i, id := range ranking[:min(k, len(ranking))] {
		if rels[id] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}
