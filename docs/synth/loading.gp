# loading.gp — pair purity against Ni loading for the template and co-pyrolysis routes,
# from the two sweeps of make_figures.sh (loading_template_figure.csv: complexes per nm²,
# two Ni each; loading_copyrolysis_figure.csv: Ni atoms per nm²). Redraw with
#   cd docs/synth && gnuplot loading.gp
set encoding utf8
set datafile separator comma
set datafile columnheaders
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.6
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.6
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 0.7
set linetype 4 lc rgb '#E69F00' lw 2 pt 13 ps 0.7
set border 3 lw 1 lc rgb '#404040'
set tics nomirror out scale 0.75 textcolor rgb '#202020'
set grid xtics ytics back lt 1 lw 1 lc rgb '#e3e3e3'
set key bmargin center horizontal reverse Left samplen 2 width 2 height 1
set bars small
set title 'Pair purity against loading (mean ± s.e. of 3 seeds)' noenhanced
set xlabel 'Ni loading (atoms per nm²)' noenhanced
set ylabel 'pair purity' noenhanced
set yrange [0:1.05]
set xrange [0:*]
set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb '#808080'
set label 'purity 0.5' at graph 0.02, first 0.53 textcolor rgb '#606060' noenhanced
set terminal svg size 800,560 font 'DejaVu Sans,16' background '#ffffff' enhanced
set output 'loading.svg'
plot 'loading_template_figure.csv' using (2*$1):2:3 with yerrorlines lt 1 title 'template: pairs / sites' noenhanced, \
     'loading_template_figure.csv' using (2*$1):4:5 with yerrorlines lt 1 dt 2 title 'template: 2 × pairs / Ni' noenhanced, \
     'loading_copyrolysis_figure.csv' using 1:2:3 with yerrorlines lt 2 title 'co-pyrolysis: pairs / sites' noenhanced, \
     'loading_copyrolysis_figure.csv' using 1:4:5 with yerrorlines lt 2 dt 2 title 'co-pyrolysis: 2 × pairs / Ni' noenhanced
set terminal pngcairo size 800,560 font 'DejaVu Sans,12' pointscale 1.6 background '#ffffff' enhanced
set output 'loading.png'
replot
unset output
