package search

// stopwords are dropped from queries (never from the index, so phrase
// searches still work). The list is Lucene's English default plus a few
// question words agents put in front of what they actually look for.
var stopwords = map[string]bool{}

func init() {
	for _, w := range []string{
		"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
		"no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
		"they", "this", "to", "was", "will", "with",
		"what", "which", "who", "whom", "how", "when", "where", "why", "do", "does", "did",
		"we", "our", "i", "me", "my", "you", "your", "he", "she", "his", "her", "its", "been", "have", "has", "had",
	} {
		stopwords[w] = true
	}
}
