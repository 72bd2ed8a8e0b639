/**
 * A QR code drawn as SVG by React: qrcode-generator computes the modules in the browser and one
 * `<path>` draws the dark ones. No image URL, canvas or inline style: nothing the console's
 * Content-Security-Policy has to allow, and the secret it carries never leaves the page. The library
 * is loaded when a code is first drawn (its own file, from the console's origin): an authenticator app
 * is set up once, so the pages everyone opens do not carry it.
 */
import { useEffect, useState } from 'react';

/** The light border around the code, in modules (the standard asks for 4). */
const QUIET = 4;

type Drawing = { d: string; size: number };

async function draw(text: string): Promise<Drawing> {
  const { default: qrcode } = await import('qrcode-generator');
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  let d = '';
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (qr.isDark(row, col)) d += `M${col + QUIET} ${row + QUIET}h1v1h-1z`;
    }
  }
  return { d, size: n + 2 * QUIET };
}

export function QrCode({ text, label }: { text: string; label: string }) {
  const [drawing, setDrawing] = useState<{ text: string; drawing: Drawing } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    draw(text).then(
      (d) => live && setDrawing({ text, drawing: d }),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [text]);
  if (failed)
    return <p className="inline-error">The QR code could not be drawn: type the key below instead.</p>;
  if (drawing?.text !== text) return <p className="loading">Drawing the QR code…</p>;
  const { d, size } = drawing.drawing;
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      shapeRendering="crispEdges"
      xmlns="http://www.w3.org/2000/svg"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
