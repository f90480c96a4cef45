package surge

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// writeChart draws the surge second by second: requests and completed sagas above, the
// accept path's p50/p95/p99 latency below.
func writeChart(r *Report, path string) error {
	tl := r.Timeline()
	xy := func(f func(Second) float64) plotter.XYs {
		pts := make(plotter.XYs, len(tl))
		for i, s := range tl {
			pts[i].X, pts[i].Y = float64(s.At), f(s)
		}
		return pts
	}
	line := func(p *plot.Plot, name string, pts plotter.XYs, c color.Color) error {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = c
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	top := plot.New()
	top.Title.Text = fmt.Sprintf("Registrar surge %s: throughput", r.RunID)
	top.X.Label.Text = "seconds since the first request"
	top.Y.Label.Text = "per second"
	top.Legend.Top = true
	bottom := plot.New()
	bottom.Title.Text = "accept-path latency (POST /api/v1/registrations)"
	bottom.X.Label.Text = "seconds since the first request"
	bottom.Y.Label.Text = "ms"
	bottom.Legend.Top = true
	for _, l := range []struct {
		p    *plot.Plot
		name string
		f    func(Second) float64
		c    color.Color
	}{
		{top, "requests", func(s Second) float64 { return float64(s.Requests) }, color.RGBA{B: 200, A: 255}},
		{top, "sagas completed", func(s Second) float64 { return s.Sagas }, color.RGBA{G: 150, A: 255}},
		{bottom, "p50", func(s Second) float64 { return s.P50 }, color.RGBA{G: 150, A: 255}},
		{bottom, "p95", func(s Second) float64 { return s.P95 }, color.RGBA{R: 230, G: 140, A: 255}},
		{bottom, "p99", func(s Second) float64 { return s.P99 }, color.RGBA{R: 200, A: 255}},
	} {
		if err := line(l.p, l.name, xy(l.f), l.c); err != nil {
			return err
		}
	}
	img := vgimg.New(vg.Points(900), vg.Points(700))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8), PadX: vg.Points(8), PadY: vg.Points(12)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	png := vgimg.PngCanvas{Canvas: img}
	f, err := createFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = png.WriteTo(f)
	return err
}

func createFile(path string) (*os.File, error) { return os.Create(path) }
