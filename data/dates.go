package data

import "time"

// China's clock decides which day "today" is for as_of and valid_from.
var china = time.FixedZone("CST", 8*3600)

// Today is the current date in China, at midnight UTC, the form every
// date in ecospace takes.
func Today() time.Time {
	return DateOf(time.Now().In(china))
}

// DateOf truncates t to its calendar date, as midnight UTC.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
