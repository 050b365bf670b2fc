package tpch

import (
	"math/rand/v2"
	"strings"
)

// rng is one deterministic random stream.
type rng struct{ r *rand.Rand }

func newRNG(seed uint64, stream uint64) *rng {
	return &rng{r: rand.New(rand.NewPCG(seed, stream))}
}

// intn returns a uniform int in [0, n).
func (r *rng) intn(n int) int { return r.r.IntN(n) }

// between returns a uniform int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.r.IntN(hi-lo+1) }

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789, "

// vstring is dbgen's random v-string: lo..hi characters from an alphanumeric set.
func (r *rng) vstring(lo, hi int) string {
	n := r.between(lo, hi)
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[r.intn(len(alnum))]
	}
	return string(b)
}

// phone is dbgen's phone number: the country code is nationkey+10.
func (r *rng) phone(nation int32) string {
	var sb strings.Builder
	sb.Grow(15)
	writeInt(&sb, int(nation)+10, 2)
	sb.WriteByte('-')
	writeInt(&sb, r.between(100, 999), 3)
	sb.WriteByte('-')
	writeInt(&sb, r.between(100, 999), 3)
	sb.WriteByte('-')
	writeInt(&sb, r.between(1000, 9999), 4)
	return sb.String()
}

func writeInt(sb *strings.Builder, v, width int) {
	var buf [20]byte
	i := len(buf)
	for v > 0 || i == len(buf) {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	for len(buf)-i < width {
		i--
		buf[i] = '0'
	}
	sb.Write(buf[i:])
}

// textPoolSize is the size of the comment text pool. dbgen uses 300 MB; a
// smaller pool repeats substrings sooner, which no query depends on.
const textPoolSize = 4 << 20

// textPool is text made with the specification's grammar (4.2.2.14); comments
// are random substrings of it, as in dbgen.
type textPool struct{ text string }

func newTextPool(seed uint64) *textPool {
	r := newRNG(seed, 0x7e47)
	var sb strings.Builder
	sb.Grow(textPoolSize + 200)
	for sb.Len() < textPoolSize {
		sentence(r, &sb)
	}
	return &textPool{text: sb.String()[:textPoolSize]}
}

func nounPhrase(r *rng, sb *strings.Builder) {
	switch r.intn(4) {
	case 0:
		sb.WriteString(nouns.pick(r))
	case 1:
		sb.WriteString(adjectives.pick(r) + " " + nouns.pick(r))
	case 2:
		sb.WriteString(adjectives.pick(r) + ", " + adjectives.pick(r) + " " + nouns.pick(r))
	default:
		sb.WriteString(adverbs.pick(r) + " " + adjectives.pick(r) + " " + nouns.pick(r))
	}
}

func verbPhrase(r *rng, sb *strings.Builder) {
	switch r.intn(4) {
	case 0:
		sb.WriteString(verbs.pick(r))
	case 1:
		sb.WriteString(auxiliaries.pick(r) + " " + verbs.pick(r))
	case 2:
		sb.WriteString(verbs.pick(r) + " " + adverbs.pick(r))
	default:
		sb.WriteString(auxiliaries.pick(r) + " " + verbs.pick(r) + " " + adverbs.pick(r))
	}
}

func prepPhrase(r *rng, sb *strings.Builder) {
	sb.WriteString(prepositions.pick(r) + " the ")
	nounPhrase(r, sb)
}

func sentence(r *rng, sb *strings.Builder) {
	nounPhrase(r, sb)
	sb.WriteByte(' ')
	switch r.intn(5) {
	case 0:
		verbPhrase(r, sb)
	case 1:
		verbPhrase(r, sb)
		sb.WriteByte(' ')
		prepPhrase(r, sb)
	case 2:
		verbPhrase(r, sb)
		sb.WriteByte(' ')
		nounPhrase(r, sb)
	case 3:
		prepPhrase(r, sb)
		sb.WriteByte(' ')
		verbPhrase(r, sb)
		sb.WriteByte(' ')
		nounPhrase(r, sb)
	default:
		prepPhrase(r, sb)
		sb.WriteByte(' ')
		verbPhrase(r, sb)
		sb.WriteByte(' ')
		prepPhrase(r, sb)
	}
	sb.WriteString(terminators.pick(r))
	sb.WriteByte(' ')
}

// comment returns lo..hi characters of the pool from a random offset.
func (p *textPool) comment(r *rng, lo, hi int) string {
	n := r.between(lo, hi)
	off := r.intn(len(p.text) - n)
	return p.text[off : off+n]
}
