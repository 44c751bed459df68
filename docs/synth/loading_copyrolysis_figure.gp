# loading_copyrolysis_figure.gp — gnuplot script of the figure dac synth sweep of copyrolysis_ni.yaml, written by dac 0.1.0.
# It reads loading_copyrolysis_figure.csv in this folder and writes loading_copyrolysis_figure.svg and loading_copyrolysis_figure.png there;
# edit either file and redraw with:
#   cd <this folder> && gnuplot loading_copyrolysis_figure.gp
# Columns of loading_copyrolysis_figure.csv (empty cell: no value, the point is left out):
#   1  metals.0.loading_atoms_nm2
#   2  purity_site_g0
#   3  purity_site_sem_g0
#   4  purity_atom_g0
#   5  purity_atom_sem_g0
#   6  hetero_purity_site_g0
#   7  hetero_purity_site_sem_g0
#   8  mean_shell_N_pairs_g0
#   9  mean_shell_N_pairs_sem_g0

# ---- data: comma-separated, one header row, UTF-8 text
set encoding utf8
set datafile separator comma
set datafile columnheaders

# ---- house style
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.6   # blue, filled circle
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 0.6   # vermillion, filled square
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 0.7   # bluish green, filled triangle
set linetype 4 lc rgb '#E69F00' lw 2 pt 13 ps 0.7  # orange, filled diamond
set linetype 5 lc rgb '#CC79A7' lw 2 pt 11 ps 0.7  # reddish purple, filled down-triangle
set linetype 6 lc rgb '#56B4E9' lw 2 pt 6 ps 0.6   # sky blue, open circle
set linetype 7 lc rgb '#000000' lw 2 pt 4 ps 0.6   # black, open square
set linetype 8 lc rgb '#F0E442' lw 2 pt 8 ps 0.7   # yellow, open triangle
set linetype cycle 8
# Frame on the left and bottom only, ticks outside, a light grid behind the data.
set border 3 lw 1 lc rgb '#404040'
set tics nomirror out scale 0.75 textcolor rgb '#202020'
set grid xtics ytics back lt 1 lw 1 lc rgb '#e3e3e3'
# The key below the plot, in rows, so that it never covers a point.
set key bmargin center horizontal reverse Left samplen 2 width 2 height 1
set style fill transparent solid 0.5 border   # bars: half-opaque, so overlaps show
set bars small

# ---- this figure
set title 'dac synth sweep of copyrolysis_ni.yaml' noenhanced
set xlabel 'metals.0.loading_atoms_nm2' noenhanced
set ylabel 'pair purity' noenhanced
set y2label 'mean shell N of the pairs' noenhanced
set y2tics nomirror out scale 0.75
set ytics nomirror
set border 11
set yrange [0:1.05]

# ---- added by the caller
set y2range [0:*]

# ---- the figure: SVG for pages, then the same as PNG (800×560 px)
set terminal svg size 800,560 font 'DejaVu Sans,16' background '#ffffff' enhanced
set output 'loading_copyrolysis_figure.svg'
plot 'loading_copyrolysis_figure.csv' using 1:2:3 with yerrorlines title 'pairs / sites' noenhanced, \
     'loading_copyrolysis_figure.csv' using 1:4:5 with yerrorlines title '2 × pairs / metal atoms' noenhanced, \
     'loading_copyrolysis_figure.csv' using 1:8:9 with yerrorlines axes x1y2 dt 2 title 'mean shell N of pairs (right axis)' noenhanced
set terminal pngcairo size 800,560 font 'DejaVu Sans,12' pointscale 1.6 background '#ffffff' enhanced
set output 'loading_copyrolysis_figure.png'
replot
unset output
