package words

// cjkBlocks are the code points read as CJK: the letters of Chinese,
// Japanese and Korean writing, by block. The table is fixed on purpose (see
// the package comment): a later Unicode release assigning new characters
// does not change how stored text splits. Punctuation blocks (、。「」・ and
// the like) are left out, so they still separate words; so are the
// combining sound marks U+3099–U+309C, which unicode61 does not read as
// letters either. Sorted, not overlapping.
var cjkBlocks = [][2]rune{
	{0x1100, 0x11FF},   // Hangul Jamo
	{0x3005, 0x3007},   // 々 〆 〇 (iteration mark, closing mark, ideographic zero)
	{0x303B, 0x303C},   // 〻 〼
	{0x3041, 0x3098},   // Hiragana
	{0x309D, 0x309F},   // Hiragana iteration marks, ゟ
	{0x30A1, 0x30FA},   // Katakana (not ゠ U+30A0, not ・ U+30FB)
	{0x30FC, 0x30FF},   // ー and the Katakana iteration marks
	{0x3131, 0x318E},   // Hangul Compatibility Jamo
	{0x31F0, 0x31FF},   // Katakana Phonetic Extensions
	{0x3400, 0x4DBF},   // CJK Unified Ideographs Extension A
	{0x4E00, 0x9FFF},   // CJK Unified Ideographs
	{0xA960, 0xA97F},   // Hangul Jamo Extended-A
	{0xAC00, 0xD7A3},   // Hangul Syllables
	{0xD7B0, 0xD7FF},   // Hangul Jamo Extended-B
	{0xF900, 0xFAFF},   // CJK Compatibility Ideographs
	{0xFF66, 0xFF9D},   // Halfwidth Katakana and ｰ (not the halfwidth sound marks)
	{0xFFA0, 0xFFDC},   // Halfwidth Hangul
	{0x20000, 0x3134F}, // CJK Unified Ideographs Extensions B–G and the Compatibility Supplement
}

// IsCJK reports whether r is a Chinese, Japanese or Korean letter, by the
// fixed table above.
func IsCJK(r rune) bool {
	if r < 0x1100 || r > 0x3134F {
		return false
	}
	lo, hi := 0, len(cjkBlocks)
	for lo < hi {
		m := (lo + hi) / 2
		switch b := cjkBlocks[m]; {
		case r < b[0]:
			hi = m
		case r > b[1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}
