# copyrolysis.gp — co-pyrolysis pair purity (pairs / sites) against the Ni loading at
# five densities of uniformly random pockets, from the sweep pockets_copyrolysis.csv of
# make_figures.sh (its figure table pockets_copyrolysis_figure.csv: loading, then per
# pocket density g0 … g4 eight columns, purity_site and its standard error first).
# The y axis is scaled to the data: the values are a few per cent. Redraw with
#   cd docs/synth && gnuplot copyrolysis.gp
set encoding utf8
set datafile separator comma
set datafile columnheaders
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.6
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.6
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 0.7
set linetype 4 lc rgb '#E69F00' lw 2 pt 13 ps 0.7
set linetype 5 lc rgb '#CC79A7' lw 2 pt 11 ps 0.7
set border 3 lw 1 lc rgb '#404040'
set tics nomirror out scale 0.75 textcolor rgb '#202020'
set grid xtics ytics back lt 1 lw 1 lc rgb '#e3e3e3'
set key bmargin center horizontal reverse Left samplen 2 width 2 height 1
set bars small
set title 'Co-pyrolysis: pair purity against loading (mean ± s.e. of 3 seeds)' noenhanced
set xlabel 'Ni loading (atoms per nm²)' noenhanced
set ylabel 'pair purity (pairs / sites)' noenhanced
set yrange [0:*]
set xrange [0:*]
pockets = '0.05 0.45 0.85 1.25 1.65'
set terminal svg size 800,560 font 'DejaVu Sans,16' background '#ffffff' enhanced
set output 'copyrolysis.svg'
plot for [g=0:4] 'pockets_copyrolysis_figure.csv' using 1:(column(2 + 8*g)):(column(3 + 8*g)) \
     with yerrorlines lt g+1 title sprintf('%s pockets per nm²%s', word(pockets, g+1), g == 0 ? ' (the recipe)' : '') noenhanced
set terminal pngcairo size 800,560 font 'DejaVu Sans,12' pointscale 1.6 background '#ffffff' enhanced
set output 'copyrolysis.png'
replot
unset output
