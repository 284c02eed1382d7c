// The frame view's geometry, for layers drawn over the frame (annotations): which frame is on screen, its native
// size, and how it is fitted, zoomed and panned. Children of <FrameStage overlay={…}> are laid out in the frame's
// box (boxWidth × boxHeight CSS px at zoom 1) and move with it; frame pixel (x, y) is at
// (x * boxWidth / frameWidth, y * boxHeight / frameHeight) inside that box.
import { createContext, useContext } from 'react';

export interface FrameView {
  /** The frame the reviewer is on, and whether it is confirmed on screen yet. */
  frameIndex: number;
  frameConfirmed: boolean;
  /** Presentation time (s) of that frame, pts[frameIndex]. */
  mediaTime: number;
  /** Native size of the video frame (px). */
  frameWidth: number;
  frameHeight: number;
  /** The fitted box the frame is drawn in at zoom 1 (CSS px), and its offset inside the stage. */
  boxWidth: number;
  boxHeight: number;
  boxLeft: number;
  boxTop: number;
  /** Zoom (1 = fit) and pan (CSS px, applied before the zoom: translate(pan) scale(zoom), origin top left). */
  zoom: number;
  panX: number;
  panY: number;
  /** Frame pixel coordinates of a point given in client (viewport) coordinates; null outside the stage. */
  clientToFrame(clientX: number, clientY: number): { x: number; y: number } | null;
}

export const FrameViewContext = createContext<FrameView | null>(null);

/** The frame view of the review on screen (null outside a review). */
export function useFrameView(): FrameView | null {
  return useContext(FrameViewContext);
}
