package bench

import (
	"math"
	"math/big"
	"slices"
	"time"
)

// median of ds; 0 for none.
func median(ds []time.Duration) time.Duration {
	return percentile(ds, 50)
}

// percentile p (0..100) of ds by nearest rank; 0 for none.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// geomean of positive values; NaN for none.
func geomean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, x := range xs {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(xs)))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func bigInt(v int64) *big.Int { return big.NewInt(v) }
