// The Blitz alert tone, generated with WebAudio: no sound file to download or cache.
let ctx = null;

export function alertTone() {
  try {
    ctx = ctx || new (window.AudioContext || window.webkitAudioContext)();
    if (ctx.state === 'suspended') ctx.resume();
    const now = ctx.currentTime;
    const gain = ctx.createGain();
    gain.connect(ctx.destination);
    gain.gain.setValueAtTime(0.0001, now);
    // Three falling two-tone pulses, like a pager: distinct from any notification sound.
    for (let i = 0; i < 3; i++) {
      for (const [j, f] of [[0, 1046], [1, 784]].entries()) {
        const start = now + i * 0.5 + j * 0.2;
        const osc = ctx.createOscillator();
        osc.type = 'square';
        osc.frequency.setValueAtTime(f[1], start);
        osc.connect(gain);
        osc.start(start);
        osc.stop(start + 0.18);
      }
      gain.gain.setTargetAtTime(0.18, now + i * 0.5, 0.01);
      gain.gain.setTargetAtTime(0.0001, now + i * 0.5 + 0.38, 0.02);
    }
    document.dispatchEvent(new CustomEvent('crisisroom:tone'));
  } catch { /* no audio device: the banner still shows */ }
}
