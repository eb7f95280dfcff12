// Runs anywhere: pure TypeScript, no Node, no DOM.
import type { Catalog } from './en';

export const fr = {
  app: {
    name: 'Clinic Messenger',
    tagline: 'Des messages sécurisés entre votre clinique et les patients qui y ont consenti.',
  },
  common: {
    loading: 'Chargement…',
    cancel: 'Annuler',
    save: 'Enregistrer',
    close: 'Fermer',
    dismiss: 'Fermer la notification',
    notifications: 'Notifications',
  },
  a11y: {
    skipToContent: 'Aller au contenu principal',
  },
  preferences: {
    language: 'Langue',
    theme: 'Apparence',
    languageOptions: { system: 'Comme cet ordinateur', en: 'English', fr: 'Français' },
    themeOptions: { system: 'Comme cet ordinateur', light: 'Claire', dark: 'Sombre' },
  },
  welcome: {
    title: 'Bienvenue',
    intro:
      'Cet ordinateur n’est pas encore relié à une clinique. Vérifiez d’abord qu’il est prêt : les contrôles ci-dessous se font sur cet ordinateur et n’envoient rien ailleurs.',
  },
  device: {
    title: 'Cet ordinateur',
    label: 'Nom de l’ordinateur',
    none: 'Pas encore nommé',
    hint: 'L’équipe informatique de la clinique voit ce nom quand l’ordinateur la rejoint. Nommez le lieu, par exemple « Accueil 2 », jamais une personne.',
    name: 'Nommer cet ordinateur',
    rename: 'Renommer',
    dialogTitle: 'Nommer cet ordinateur',
    saved: 'Nom de l’ordinateur enregistré.',
    errors: {
      'too-short': 'Utilisez au moins 2 caractères.',
      'too-long': 'Utilisez au plus 40 caractères.',
      'bad-characters':
        'Commencez par une lettre ou un chiffre, puis n’utilisez que des lettres, des chiffres, des espaces et . , \u2019 # ( ) _ -',
    },
  },
  about: {
    title: 'À propos de cette installation',
    version: 'Version',
    build: 'Compilation',
    buildValue: '{{commit}}, {{date}}',
    runtime: 'Environnement',
    runtimeElectron: 'Electron {{electron}}, Chromium {{chrome}}, Node.js {{node}}',
    runtimeHarness: 'Node.js {{node}} (banc d’essai, sans Electron)',
    platform: 'Plateforme',
    mode: 'Mode',
    modes: {
      packaged: 'Application installée',
      development: 'Version de développement',
      harness: 'Banc d’essai dans un navigateur',
    },
    unavailable: 'Les renseignements sur cette installation n’ont pas pu être lus.',
  },
  checks: {
    title: 'Contrôles de préparation',
    run: 'Lancer les contrôles',
    runAgain: 'Relancer les contrôles',
    running: 'Vérification…',
    lastRun: 'Dernier contrôle à {{time}}',
    took: '{{ms}} ms',
    emptyTitle: 'Aucun résultat pour l’instant',
    emptyBody: 'Lancez les contrôles pour savoir si cet ordinateur est prêt pour la messagerie de la clinique.',
    summary: {
      pass: 'Cet ordinateur est prêt.',
      warn: 'Cet ordinateur fonctionne, mais un point demande votre attention.',
      fail: 'Cet ordinateur n’est pas prêt. Suivez le conseil donné sous chaque problème.',
    },
    status: { pass: 'Prêt', warn: 'À vérifier', fail: 'Problème' },
    names: {
      runtime: 'Environnement d’exécution',
      'shell-hardening': 'Protections de la fenêtre',
      crypto: 'Bibliothèque de chiffrement',
      'encrypted-storage': 'Base de données chiffrée',
      'data-folder': 'Dossier de données',
    },
    details: {
      runtimeOk: 'Node.js {{node}} atteint la version minimale (22).',
      runtimeOld: 'Node.js {{node}} est trop ancien : la version 22 ou plus récente est requise.',
      shellOk:
        'Le bac à sable est actif, aucun débogueur ne peut s’attacher, et les pages de l’application portent une politique de contenu stricte.',
      shellHarness:
        'Exécution dans un banc d’essai de navigateur, et non dans la fenêtre de bureau. Les protections de la fenêtre de bureau sont prouvées par leurs propres tests.',
      shellMissing:
        'Ces protections de la fenêtre sont désactivées : {{missing}}. Communiquez avec le service informatique avant d’utiliser cet ordinateur.',
      cryptoOk: 'Le chiffrement et la détection des altérations fonctionnent, et Argon2id est disponible.',
      cryptoFailed:
        'La bibliothèque de chiffrement a échoué à son autotest. Réinstallez l’application ou communiquez avec le service informatique.',
      storageOk: 'Une base d’essai a été écrite chiffrée, refusée avec une mauvaise clé, puis supprimée.',
      storageFailed:
        'Le moteur de base de données chiffrée ne fonctionne pas ici. Réinstallez l’application ou communiquez avec le service informatique.',
      folderOk: 'L’application garde ses données dans son propre dossier : {{path}}',
      folderFailed:
        'L’application ne peut pas écrire dans son dossier de données ({{path}}). Vérifiez le disque et ses autorisations.',
    },
  },
  errors: {
    'bad-request':
      'L’application a fait une demande qu’elle ne comprend pas. Réessayez ; si cela se reproduit, communiquez avec le service informatique.',
    'unknown-channel': 'Cette action n’existe pas dans cette version de l’application.',
    forbidden: 'Votre rôle ne permet pas cette action.',
    'sender-rejected': 'La demande venait d’une page à laquelle l’application ne fait pas confiance ; elle a été refusée.',
    'invalid-setting': 'Cette valeur ne peut pas être enregistrée. Vérifiez le champ signalé.',
    'storage-failed': 'La modification n’a pas pu être écrite sur le disque. Vérifiez l’espace libre et réessayez.',
    internal: 'Un problème est survenu dans l’application. Rien n’a été perdu ; réessayez.',
    offline: 'Le service interne de l’application ne répond pas. Redémarrez l’application.',
  },
  menu: {
    file: 'Fichier',
    quit: 'Quitter Clinic Messenger',
    edit: 'Édition',
    undo: 'Annuler',
    redo: 'Rétablir',
    cut: 'Couper',
    copy: 'Copier',
    paste: 'Coller',
    selectAll: 'Tout sélectionner',
    view: 'Affichage',
    reload: 'Recharger',
    devTools: 'Outils de développement',
    resetZoom: 'Taille réelle',
    zoomIn: 'Zoom avant',
    zoomOut: 'Zoom arrière',
    window: 'Fenêtre',
    minimize: 'Réduire',
    help: 'Aide',
  },
} as const satisfies Catalog;
