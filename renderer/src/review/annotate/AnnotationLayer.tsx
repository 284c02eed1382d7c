// The annotation layer over the frame (react-konva, in the frame's box so it zooms and pans with the frame).
// Draw box, arrow, ellipse, freehand and text with the tool in hand; with the select tool, click to select, drag
// to move, pull the handles to resize, Delete to remove. Every change is saved when the gesture ends.
import type Konva from 'konva';
import type { KonvaEventObject } from 'konva/lib/Node';
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { Arrow, Ellipse, Label, Layer, Line, Rect, Stage, Tag, Text, Transformer } from 'react-konva';
import type { Annotation, AnnotationPatch, AnnotationShape } from '../../../../electron/api/schemas-review';
import { tooLong } from '../../ui/CharCount';
import { useFrameView } from '../frame-view';
import { useAnnotate, type Tool } from './annotate-context';
import { clamp01, clampPoints, fitRect, isTiny, rectFrom, simplify } from './geometry';

/** The contract's limit on a text annotation (schemas-review.ts TextGeometry). */
const TEXT_MAX = 500;

type Draft = { tool: Exclude<Tool, 'select' | 'text'>; x0: number; y0: number; x1: number; y1: number; points: number[] };

const HIT_FILL = 'rgba(0,0,0,0)';
const ALL_ANCHORS = ['top-left', 'top-center', 'top-right', 'middle-right', 'middle-left', 'bottom-left', 'bottom-center', 'bottom-right'];

export function AnnotationLayer() {
  const a = useAnnotate();
  const view = useFrameView();
  const stageRef = useRef<Konva.Stage | null>(null);
  const trRef = useRef<Konva.Transformer | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [textAt, setTextAt] = useState<{ x: number; y: number } | null>(null);
  const [text, setText] = useState('');
  const [textError, setTextError] = useState<string | null>(null);
  const draftRef = useRef<Draft | null>(null);
  draftRef.current = draft;
  // Set by Konva's handlers (which run first, on the canvas) when a pointerdown belongs to the layer: the stage
  // below must not start panning. (preventDefault would also cancel the mouse events Konva's dragging uses.)
  const ownsPointer = useRef(false);

  const W = view?.boxWidth ?? 0;
  const H = view?.boxHeight ?? 0;
  const zoom = view?.zoom ?? 1;
  const list = a ? a.session.forFrame(a.frame?.id ?? null) : [];
  const selectedId = a?.selectedId ?? null;
  const tool = a?.tool ?? 'select';
  const drawing = !!a && !a.readOnly && tool !== 'select';

  // The transformer follows the selection.
  useEffect(() => {
    const tr = trRef.current;
    const stage = stageRef.current;
    if (!tr || !stage) return;
    const node = selectedId !== null && tool === 'select' ? stage.findOne(`#ann-${selectedId}`) : null;
    tr.nodes(node ? [node] : []);
    tr.getLayer()?.batchDraw();
  }, [selectedId, tool, list]);

  if (!a || !view || !W || !H) return null;
  const session = a.session;

  const pointer = (): { x: number; y: number } | null => {
    const p = stageRef.current?.getPointerPosition();
    return p ? { x: clamp01(p.x / W), y: clamp01(p.y / H) } : null;
  };

  const save = (shape: AnnotationShape) => {
    if (isTiny(shape)) return;
    // The label in hand is for this one shape (the picker arms it again for another).
    const label = a.label;
    if (label !== null) a.setLabel(null);
    const color = a.color;
    void a
      .ensureFrame()
      .then((frame) => session.create({ frameId: frame.id, ...shape, label, color } as Parameters<typeof session.create>[0]))
      .then((created) => a.select(created.id))
      .catch(() => {
        /* reported by the session */
      });
  };

  const finishDraft = () => {
    const d = draftRef.current;
    if (!d) return;
    setDraft(null);
    if (d.tool === 'box' || d.tool === 'ellipse') save({ kind: d.tool, geometry: rectFrom(d.x0, d.y0, d.x1, d.y1) });
    else if (d.tool === 'arrow') save({ kind: 'arrow', geometry: { x1: d.x0, y1: d.y0, x2: d.x1, y2: d.y1 } });
    else save({ kind: 'freehand', geometry: { points: clampPoints(simplify(d.points)) } });
  };

  const onDown = (e: KonvaEventObject<PointerEvent>) => {
    if (e.evt.button !== 0) return;
    if (!drawing) {
      // Select tool: empty space clears the selection (and, zoomed in, lets the stage pan).
      if (e.target === e.target.getStage()) a.select(null);
      return;
    }
    ownsPointer.current = true; // drawing, not panning
    const p = pointer();
    if (!p) return;
    if (tool === 'text') {
      e.evt.preventDefault(); // keeps the focus in the text field about to open (no mousedown focus change)
      setTextAt(p);
      setText('');
      return;
    }
    setDraft({ tool: tool as Draft['tool'], x0: p.x, y0: p.y, x1: p.x, y1: p.y, points: [p.x, p.y] });
    const end = () => {
      window.removeEventListener('pointerup', end);
      finishDraft();
    };
    window.addEventListener('pointerup', end);
  };

  const onMove = () => {
    const d = draftRef.current;
    if (!d) return;
    const p = pointer();
    if (!p) return;
    setDraft({ ...d, x1: p.x, y1: p.y, points: d.tool === 'freehand' ? [...d.points, p.x, p.y] : d.points });
  };

  const change = (id: number, patch: AnnotationPatch) => {
    void session.update(id, patch).catch(() => {
      /* reported by the session */
    });
  };

  /** The shape's new geometry after a drag or a resize, from its node (whose offset and scale are then reset). */
  const commitNode = (ann: Annotation, node: Konva.Node) => {
    const sx = node.scaleX();
    const sy = node.scaleY();
    if (ann.kind === 'box') {
      const r = node as Konva.Rect;
      change(ann.id, { geometry: fitRect({ x: r.x() / W, y: r.y() / H, w: (r.width() * sx) / W, h: (r.height() * sy) / H }) });
    } else if (ann.kind === 'ellipse') {
      const el = node as Konva.Ellipse;
      const rx = el.radiusX() * sx;
      const ry = el.radiusY() * sy;
      change(ann.id, { geometry: fitRect({ x: (el.x() - rx) / W, y: (el.y() - ry) / H, w: (2 * rx) / W, h: (2 * ry) / H }) });
    } else if (ann.kind === 'text') {
      change(ann.id, { geometry: { ...ann.geometry, x: clamp01(node.x() / W), y: clamp01(node.y() / H) } });
    } else {
      const line = node as Konva.Line;
      const moved = line.points().map((v, i) => (i % 2 === 0 ? (line.x() + v * sx) / W : (line.y() + v * sy) / H));
      const points = clampPoints(moved);
      change(ann.id, { geometry: ann.kind === 'arrow' ? { x1: points[0]!, y1: points[1]!, x2: points[2]!, y2: points[3]! } : { points } });
      line.position({ x: 0, y: 0 });
    }
    node.scale({ x: 1, y: 1 });
  };

  const stroke = Math.max(0.75, 2 / zoom);
  const common = (ann: Annotation) => ({
    id: `ann-${ann.id}`,
    name: 'annotation',
    draggable: !a.readOnly && tool === 'select' && selectedId === ann.id,
    onPointerDown: (e: KonvaEventObject<PointerEvent>) => {
      if (tool !== 'select') return;
      ownsPointer.current = true; // a shape, not the stage: no panning
      e.cancelBubble = true;
      a.select(ann.id);
    },
    onDragEnd: (e: KonvaEventObject<DragEvent>) => commitNode(ann, e.target),
    onTransformEnd: (e: KonvaEventObject<Event>) => commitNode(ann, e.target),
  });

  const labelBadge = (ann: Annotation, x: number, y: number) =>
    ann.label ? (
      <Label key={`label-${ann.id}`} x={x} y={y} listening={false}>
        <Tag fill="rgba(0,0,0,0.65)" cornerRadius={3 / zoom} />
        <Text text={a.labelText(ann.label)} fill={ann.color} fontSize={12 / zoom} padding={3 / zoom} />
      </Label>
    ) : null;

  const shapes = list.flatMap((ann) => {
    const g = ann.geometry;
    switch (ann.kind) {
      case 'box': {
        const r = g as { x: number; y: number; w: number; h: number };
        return [
          <Rect key={ann.id} {...common(ann)} x={r.x * W} y={r.y * H} width={r.w * W} height={r.h * H} stroke={ann.color} strokeWidth={stroke} fill={HIT_FILL} />,
          labelBadge(ann, r.x * W, r.y * H - 18 / zoom),
        ];
      }
      case 'ellipse': {
        const r = g as { x: number; y: number; w: number; h: number };
        return [
          <Ellipse key={ann.id} {...common(ann)} x={(r.x + r.w / 2) * W} y={(r.y + r.h / 2) * H} radiusX={(r.w / 2) * W} radiusY={(r.h / 2) * H} stroke={ann.color} strokeWidth={stroke} fill={HIT_FILL} />,
          labelBadge(ann, r.x * W, r.y * H - 18 / zoom),
        ];
      }
      case 'arrow': {
        const l = g as { x1: number; y1: number; x2: number; y2: number };
        return [
          <Arrow
            key={ann.id}
            {...common(ann)}
            points={[l.x1 * W, l.y1 * H, l.x2 * W, l.y2 * H]}
            stroke={ann.color}
            fill={ann.color}
            strokeWidth={stroke}
            pointerLength={10 / zoom}
            pointerWidth={8 / zoom}
            hitStrokeWidth={12 / zoom}
          />,
          labelBadge(ann, l.x1 * W, l.y1 * H - 18 / zoom),
        ];
      }
      case 'freehand': {
        const pts = (g as { points: number[] }).points;
        return [
          <Line
            key={ann.id}
            {...common(ann)}
            points={pts.map((v, i) => (i % 2 === 0 ? v * W : v * H))}
            stroke={ann.color}
            strokeWidth={stroke}
            lineCap="round"
            lineJoin="round"
            hitStrokeWidth={12 / zoom}
          />,
          labelBadge(ann, (pts[0] ?? 0) * W, (pts[1] ?? 0) * H - 18 / zoom),
        ];
      }
      case 'text': {
        const t = g as { x: number; y: number; text: string };
        return [
          <Text key={ann.id} {...common(ann)} x={t.x * W} y={t.y * H} text={t.text} fill={ann.color} fontSize={16 / zoom} fontStyle="bold" shadowColor="black" shadowBlur={2 / zoom} />,
          labelBadge(ann, t.x * W, t.y * H - 18 / zoom),
        ];
      }
    }
  });

  const draftShape = (() => {
    if (!draft) return null;
    const props = { stroke: a.color, strokeWidth: stroke, dash: [6 / zoom, 4 / zoom], listening: false };
    const r = rectFrom(draft.x0, draft.y0, draft.x1, draft.y1);
    if (draft.tool === 'box') return <Rect {...props} x={r.x * W} y={r.y * H} width={r.w * W} height={r.h * H} />;
    if (draft.tool === 'ellipse') return <Ellipse {...props} x={(r.x + r.w / 2) * W} y={(r.y + r.h / 2) * H} radiusX={(r.w / 2) * W} radiusY={(r.h / 2) * H} />;
    if (draft.tool === 'arrow') return <Arrow {...props} fill={a.color} points={[draft.x0 * W, draft.y0 * H, draft.x1 * W, draft.y1 * H]} pointerLength={10 / zoom} pointerWidth={8 / zoom} />;
    return <Line {...props} dash={[]} points={draft.points.map((v, i) => (i % 2 === 0 ? v * W : v * H))} lineCap="round" lineJoin="round" />;
  })();

  const submitText = () => {
    const value = text.trim();
    const at = textAt;
    // Too long: say so and keep the text (never cut it short).
    const why = tooLong(value, TEXT_MAX, 'A text annotation');
    if (why) {
      setTextError(why);
      return;
    }
    setTextAt(null);
    setText('');
    setTextError(null);
    if (value && at) save({ kind: 'text', geometry: { x: at.x, y: at.y, text: value } });
  };
  const onTextKey = (e: ReactKeyboardEvent<HTMLInputElement>) => {
    e.stopPropagation();
    if (e.key === 'Enter') submitText();
    else if (e.key === 'Escape') {
      setTextAt(null);
      setTextError(null);
    }
  };

  return (
    <div
      className={`annotation-layer${drawing ? ' is-drawing' : ''}`}
      data-testid="annotation-layer"
      data-tool={tool}
      data-frame-id={a.frame?.id ?? ''}
      data-count={list.length}
      style={{ width: W, height: H }}
      onPointerDown={(e) => {
        if (ownsPointer.current) e.stopPropagation();
        ownsPointer.current = false;
      }}
    >
      <Stage ref={stageRef} width={W} height={H} onPointerDown={onDown} onPointerMove={onMove}>
        <Layer>
          {shapes}
          {draftShape}
          <Transformer
            ref={trRef}
            rotateEnabled={false}
            keepRatio={false}
            flipEnabled={false}
            ignoreStroke
            anchorSize={9}
            borderStroke="#0a84ff"
            anchorStroke="#0a84ff"
            enabledAnchors={list.find((x) => x.id === selectedId)?.kind === 'text' ? [] : ALL_ANCHORS}
          />
        </Layer>
      </Stage>
      {textAt && (
        <input
          className="annotation-text-input"
          data-testid="annotation-text-input"
          autoFocus
          placeholder="Text, then Enter"
          style={{ left: textAt.x * W, top: textAt.y * H, fontSize: 14 / zoom }}
          value={text}
          aria-invalid={textError ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setTextError(null);
          }}
          onKeyDown={onTextKey}
          onBlur={submitText}
          onPointerDown={(e) => e.stopPropagation()}
        />
      )}
      {textAt && textError && (
        <p className="annotation-text-error field-error" role="alert" data-testid="annotation-text-error" style={{ left: textAt.x * W, top: textAt.y * H + 28 / zoom }}>
          {textError}
        </p>
      )}
    </div>
  );
}
