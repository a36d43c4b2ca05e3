import { MODEL } from './identity.ts'

/**
 * The vendor's support page as IXIT 2-UserInfo describes it: support period as an end date,
 * and the section on the part that cannot be updated (SoftComp-BootROM) with the replacement
 * program (ReplSup-1). It always names the real model; the `wrong-model` flaw concerns what the
 * device itself reports.
 */
export function supportPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Support: ${MODEL}</title>
</head>
<body>
<main>
<h1>Support for ${MODEL}</h1>
<p>Model designation: <strong id="model">${MODEL}</strong> (printed on the type label and shown in the web UI under Settings &gt; About).</p>

<section id="support-period">
<h2>Security updates for ${MODEL}</h2>
<p>Security updates are provided until at least <time datetime="2031-12-31">31 December 2031</time>.
The support period is stated as an end date; it does not depend on when you bought the device.</p>
<p>With "Install updates automatically" on (the default), your device checks for updates every day and installs them by itself.</p>
</section>

<section id="non-updatable">
<h2>Parts of your device that cannot be updated</h2>
<p>The first part of the software that runs when the device starts (the boot loader) is stored in
read-only memory (mask ROM). It cannot be changed by anyone, including attackers: it is the code that
checks every other piece of software at start-up, so keeping it unchangeable keeps that check trustworthy.</p>
<p>If a security problem is ever found in this boot loader that a firmware update cannot fix, we replace
your device free of charge until <time datetime="2031-12-31">31 December 2031</time>.</p>
<h3 id="replacement">How to request a replacement device</h3>
<ol>
<li>Fill in the exchange request on this page with your device's serial number and your e-mail address. No account or registration is needed.</li>
<li>You receive a prepaid return label by e-mail. Send your device back with it.</li>
<li>Within 10 working days you receive a replacement device with current firmware. Move your settings with the backup function of the web UI.</li>
</ol>
<p>The same procedure is described in section 9 of the printed manual.</p>
<p>Security updates for ${MODEL} are provided until at least 31 December 2031.</p>
</section>
</main>
</body>
</html>
`
}

export function loginPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in</title></head>
<body><h1>Sign in to your vendor account</h1>
<form method="post" action="/login"><label>E-mail <input name="email"></label> <label>Password <input name="password" type="password"></label> <button>Sign in</button></form>
</body>
</html>
`
}
