import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * A QR code of `value`, drawn as SVG by the `qrcode` package (no canvas, no network) and shown
 * as an image. What it encodes is a secret: it is never sent anywhere, only drawn.
 */
export function QrCode({ value, label }: { value: string; label: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void QRCode.toString(value, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }).then((svg) => {
      if (current) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    });
    return () => {
      current = false;
    };
  }, [value]);
  return src === null ? (
    <p role="status">Drawing the QR code…</p>
  ) : (
    <img className="qr-code" src={src} alt={label} width={200} height={200} />
  );
}
