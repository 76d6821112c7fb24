package web

import "time"

// barChart is an inline SVG bar chart drawn by the server: the template
// only places the bars and labels computed here.
type barChart struct {
	Title         string
	Width, Height int
	Bars          []bar
	Max           int64
	Empty         bool
}

// bar is one column with its value label.
type bar struct {
	X, Y, W, H int
	Label      string // shown under the bar when ShowLabel
	ShowLabel  bool
	Value      int64
	TextX      int
}

const (
	chartWidth  = 720
	chartHeight = 220
	chartBase   = 190 // y of the axis; labels go below
	chartTop    = 16
)

// columns lays out values as bars, labelling every labelEvery-th bar.
func columns(title string, labels []string, values []int64, labelEvery int) barChart {
	c := barChart{Title: title, Width: chartWidth, Height: chartHeight, Empty: true}
	for _, v := range values {
		if v > c.Max {
			c.Max = v
		}
		if v != 0 {
			c.Empty = false
		}
	}
	if len(values) == 0 {
		return c
	}
	slot := (chartWidth - 20) / len(values)
	w := max(slot*7/10, 2)
	for i, v := range values {
		h := 0
		if c.Max > 0 {
			h = int(v * int64(chartBase-chartTop) / c.Max)
		}
		if v > 0 && h < 1 {
			h = 1
		}
		x := 10 + i*slot + (slot-w)/2
		c.Bars = append(c.Bars, bar{X: x, Y: chartBase - h, W: w, H: h, Label: labels[i], Value: v,
			ShowLabel: labelEvery > 0 && i%labelEvery == 0, TextX: x + w/2})
	}
	return c
}

// dailySeries fills the days of [from, to) that had no usage with zero.
func dailySeries(from, to time.Time, byDay map[string]int64) ([]string, []int64) {
	var labels []string
	var values []int64
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		labels = append(labels, d.Format("2 Jan"))
		values = append(values, byDay[d.Format("2006-01-02")])
	}
	return labels, values
}
