# pockets_copyrolysis_figure.gp — gnuplot script of the figure dac synth sweep of copyrolysis_ni.yaml, written by dac 0.1.0.
# It reads pockets_copyrolysis_figure.csv in this folder and writes pockets_copyrolysis_figure.svg and pockets_copyrolysis_figure.png there;
# edit either file and redraw with:
#   cd <this folder> && gnuplot pockets_copyrolysis_figure.gp
# Columns of pockets_copyrolysis_figure.csv (empty cell: no value, the point is left out):
#   1  metals.0.loading_atoms_nm2
#   2  purity_site_g0
#   3  purity_site_sem_g0
#   4  purity_atom_g0
#   5  purity_atom_sem_g0
#   6  hetero_purity_site_g0
#   7  hetero_purity_site_sem_g0
#   8  mean_shell_N_pairs_g0
#   9  mean_shell_N_pairs_sem_g0
#   10  purity_site_g1
#   11  purity_site_sem_g1
#   12  purity_atom_g1
#   13  purity_atom_sem_g1
#   14  hetero_purity_site_g1
#   15  hetero_purity_site_sem_g1
#   16  mean_shell_N_pairs_g1
#   17  mean_shell_N_pairs_sem_g1
#   18  purity_site_g2
#   19  purity_site_sem_g2
#   20  purity_atom_g2
#   21  purity_atom_sem_g2
#   22  hetero_purity_site_g2
#   23  hetero_purity_site_sem_g2
#   24  mean_shell_N_pairs_g2
#   25  mean_shell_N_pairs_sem_g2
#   26  purity_site_g3
#   27  purity_site_sem_g3
#   28  purity_atom_g3
#   29  purity_atom_sem_g3
#   30  hetero_purity_site_g3
#   31  hetero_purity_site_sem_g3
#   32  mean_shell_N_pairs_g3
#   33  mean_shell_N_pairs_sem_g3
#   34  purity_site_g4
#   35  purity_site_sem_g4
#   36  purity_atom_g4
#   37  purity_atom_sem_g4
#   38  hetero_purity_site_g4
#   39  hetero_purity_site_sem_g4
#   40  mean_shell_N_pairs_g4
#   41  mean_shell_N_pairs_sem_g4

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
set yrange [0:1.05]

# ---- the figure: SVG for pages, then the same as PNG (800×560 px)
set terminal svg size 800,560 font 'DejaVu Sans,16' background '#ffffff' enhanced
set output 'pockets_copyrolysis_figure.svg'
plot 'pockets_copyrolysis_figure.csv' using 1:2:3 with yerrorlines title 'support.pockets_per_nm2=0.05' noenhanced, \
     'pockets_copyrolysis_figure.csv' using 1:10:11 with yerrorlines title 'support.pockets_per_nm2=0.45' noenhanced, \
     'pockets_copyrolysis_figure.csv' using 1:18:19 with yerrorlines title 'support.pockets_per_nm2=0.85' noenhanced, \
     'pockets_copyrolysis_figure.csv' using 1:26:27 with yerrorlines title 'support.pockets_per_nm2=1.25' noenhanced, \
     'pockets_copyrolysis_figure.csv' using 1:34:35 with yerrorlines title 'support.pockets_per_nm2=1.65' noenhanced
set terminal pngcairo size 800,560 font 'DejaVu Sans,12' pointscale 1.6 background '#ffffff' enhanced
set output 'pockets_copyrolysis_figure.png'
replot
unset output
