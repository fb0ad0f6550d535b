// Package signin serves the page where a person signs the agent in to a
// BioT environment, and adds environments.
//
// The tray's "Sign in…" item of an environment (and a notification's "Sign
// in" button) calls [Server.Start] with the environment's name, which
// answers a one-time URL such as
//
//	http://127.0.0.1:40123/3q2-7wEjRk…(43 characters)…/
//
// and hands it to the default browser. The page names the environment
// (its short name and URL) and signs in to it, and to no other: it finds
// that environment's agent through a [Lookup] ([Agents] of an
// agent.Environments) each time, so a page whose environment was removed
// is dead. It asks for the username and password, then for the SMS code
// when BioT wants one (with a button to send it again), and says in words
// what BioT answered: wrong password, account locked and for how long, a
// new password needed in the BioT console, BioT out of reach, a wrong or
// expired code.
//
// A user with no password (BioT's credentialType OTP) opens "Sign in with
// a code sent to my phone" under the password form, types the phone
// number (E.164, such as +15550100123; spaces, dashes and brackets are
// dropped), and BioT sends a code by SMS ([Backend.RequestCode]). The
// code step names the masked phone, offers "Send it again" (a new code,
// which replaces the one before) and a way back to the password form. BioT
// answers a wrong and an expired code alike, so a refused code is shown
// as either, with "Send it again" standing out; a number BioT sends no
// code to is said in the phone form, the number kept. The next page of a
// user who signed in by code opens the phone form, with the number. On success it names the account and the environment and
// says the tab may be closed. A failed sign-in is never tried again on its
// own: BioT locks an account after repeated failures.
//
// "Add a BioT environment…" calls [Server.StartAdd], whose page asks first
// for the environment's URL (the BioT Console's "Rest API URL"; https://
// is assumed when left out) and a short name ([a-z0-9][a-z0-9-]{0,31}, not
// taken). It checks the URL as biot-agent doctor does: a URL BioT's client
// takes (https, or http for this machine only), a certificate this machine
// trusts, and BioT's health check answering; what is wrong it says in
// words (a portal or proxy answering, a firewall, an untrusted
// certificate, BioT down). Then Options.AddEnvironment adds the
// environment (to the configuration and the running agents) and the page
// goes on to sign in to it.
//
// The page is one small HTML document with inline CSS, no script and nothing
// fetched from elsewhere, so it works with JavaScript off and reads well in
// light and dark themes.
//
// # What keeps it safe
//
// Anything on the machine can reach 127.0.0.1, and any web page the person
// has open can make the browser send requests there, so the server trusts
// little:
//
//   - It listens on 127.0.0.1 only, on a random port opened at the first
//     Start and kept for the life of the process, and refuses requests whose
//     peer is not a loopback address.
//   - The Host header must be exactly 127.0.0.1:<port> (421 otherwise), so a
//     hostile name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
//   - The only path served is /<secret>/, where the secret is 256 random bits
//     made by each Start or StartAdd; every other path answers a bare 404.
//     Each page ends the previous one, whatever its environment. A page is
//     good for one completed sign-in and for Options.TTL (5 minutes by
//     default), whichever comes first; a dead page answers that the link
//     expired, with no form.
//   - A page takes only the actions of its step: nobody signs in from the
//     step that adds an environment, and a sign-in page adds none. The
//     environment a page signs in to is set by the server, never by a
//     form.
//   - Each page has its own random CSRF token, sent in a hidden field and in
//     a cookie (SameSite=Strict, HttpOnly, Path=/<secret>/). A POST needs
//     both, equal to the page's token (compared in constant time), and an
//     Origin header, when there is one, equal to http://127.0.0.1:<port>.
//   - Every answer carries Cache-Control: no-store, a Content-Security-Policy
//     that allows nothing but inline style and posting the form to itself,
//     X-Frame-Options: DENY and Referrer-Policy: same-origin. Not
//     no-referrer: under it Chromium sends "Origin: null" with the page's own
//     POST (as the Fetch standard says), which the Origin check must refuse;
//     the page loads and links nothing from elsewhere, so same-origin sends
//     the secret path to no one else either.
//   - Request bodies are limited to a few kilobytes. The password and the
//     SMS code travel in POST bodies only; they are never logged, never put
//     in a URL and never written back into the page. Neither is a password
//     typed into a BioT URL (https://user:password@…), which is refused.
package signin
