/** What each part of the benchmark hands to the report. */
import type { Summary } from './stats.js';

export interface Goal {
  /** The goal, as the project states it. */
  text: string;
  met: boolean;
  /** The measured value the goal is judged on, when the figure's ratio does not show it. */
  measured?: string;
  /** For a missed goal: what was measured that limits it, in plain words with the figures. */
  explanation?: string;
}

export interface Figure {
  name: string;
  /** rows/s, s, ms, statements/s, MiB, … */
  unit: string;
  summary: Summary;
  /** The ratio to the baseline measured in the same run, in words ("1.12× the time of (b)"). */
  ratio?: string;
  goal?: Goal;
}

export interface SectionResult {
  title: string;
  /** The sizes and repetitions, in words. */
  sizes: string;
  figures: Figure[];
  /** Context that a reader needs for the figures: how the baselines were done, what is extrapolated. */
  notes: string[];
}

/** Formats a ratio: 2 significant decimals below 10, whole numbers above. */
export function times(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 10 ? `${Math.round(value)}×` : `${value.toFixed(2)}×`;
}
